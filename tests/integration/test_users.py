"""/api/user: create, read, update, deactivate, delete, search, verify-email, and the events
each records (FusionAuth's JSON, the brief's user.create keys, never a secret)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream.db import Database
from idstream.events.store import StoredEvent

PASSWORD = "correct horse battery"
USER_EVENTS = (
    "user.create",
    "user.create.complete",
    "user.update",
    "user.update.complete",
    "user.delete",
    "user.delete.complete",
    "user.deactivate",
    "user.reactivate",
    "user.password.update",
    "user.email.verified",
    "user.registration.create",
    "user.registration.create.complete",
    "user.registration.update",
    "user.registration.update.complete",
    "user.registration.delete",
    "user.registration.delete.complete",
    "user.login.success",
    "user.login.failed",
)
# The brief's example user.create (kafka-integration.txt): the event's and the user's keys.
BRIEF_EVENT_KEYS = {"createInstant", "id", "info", "tenantId", "type", "user"}
BRIEF_USER_KEYS = {
    "active",
    "connectorId",
    "email",
    "id",
    "insertInstant",
    "lastLoginInstant",
    "lastUpdateInstant",
    "passwordChangeRequired",
    "passwordLastUpdateInstant",
    "tenantId",
    "twoFactor",
    "usernameStatus",
    "verified",
}


def enable_events(client: TestClient, tenant_id: str, *names: str) -> None:
    events = {name: {"enabled": True, "transactionType": "None"} for name in names or USER_EVENTS}
    response = client.patch(
        f"/api/tenant/{tenant_id}", json={"tenant": {"eventConfiguration": {"events": events}}}
    )
    assert response.status_code == 200, response.text


def stored_events(database: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    with database.read() as session:
        rows = session.scalars(select(StoredEvent).order_by(StoredEvent.sequence))
        return [
            json.loads(row.payload)["event"]
            for row in rows
            if event_type is None or row.type == event_type
        ]


def create_user(client: TestClient, **user: Any) -> dict[str, Any]:
    body = {"email": "newuser@example.com", "password": PASSWORD, **user}
    response = client.post("/api/user", json={"user": body})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["user"]
    return created


def field_code(response: Any, field: str) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["fieldErrors"][field][0]["code"])


def test_create_returns_fusionauth_user_without_secrets(client: TestClient) -> None:
    user = create_user(client, firstName="Ada", data={"plan": "gold"})
    assert user["email"] == "newuser@example.com"
    assert user["firstName"] == "Ada"
    assert user["data"] == {"plan": "gold"}
    assert user["active"] is True
    assert user["usernameStatus"] == "ACTIVE"
    assert user["twoFactor"] == {}
    assert user["passwordChangeRequired"] is False
    assert not {"password", "salt", "encryptionScheme", "factor"} & set(user)


def test_create_with_id_in_url_uses_it(client: TestClient) -> None:
    user_id = "00000000-0000-0001-0000-000000000001"
    response = client.post(
        f"/api/user/{user_id}", json={"user": {"email": "a@example.com", "password": PASSWORD}}
    )
    assert response.json()["user"]["id"] == user_id


def test_user_create_event_has_the_briefs_keys(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client)
    [event] = stored_events(database, "user.create")
    assert set(event) == BRIEF_EVENT_KEYS
    assert set(event["user"]) == BRIEF_USER_KEYS
    assert event["user"] == user
    assert event["tenantId"] == default_tenant_id
    assert event["info"]["ipAddress"] == "testclient"
    assert len(stored_events(database, "user.create.complete")) == 1


def test_event_info_merges_the_requests_event_info(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id, "user.create")
    client.post(
        "/api/user",
        json={
            "user": {"email": "x@example.com", "password": PASSWORD},
            "eventInfo": {"ipAddress": "42.42.42.42", "deviceName": "phone"},
        },
        headers={"User-Agent": "tests/1.0"},
    )
    [event] = stored_events(database, "user.create")
    assert event["info"] == {
        "ipAddress": "42.42.42.42",
        "deviceName": "phone",
        "userAgent": "tests/1.0",
    }


def test_disabled_event_type_is_not_recorded(client: TestClient, database: Database) -> None:
    create_user(client)
    assert stored_events(database, "user.create") == []


def test_duplicate_email_ignores_case(client: TestClient) -> None:
    create_user(client, email="Dup@Example.com")
    response = client.post(
        "/api/user", json={"user": {"email": "dup@example.COM", "password": PASSWORD}}
    )
    assert field_code(response, "user.email") == "[duplicate]user.email"


def test_duplicate_username_is_refused(client: TestClient) -> None:
    create_user(client, email=None, username="ada")
    response = client.post("/api/user", json={"user": {"username": "ADA", "password": PASSWORD}})
    assert field_code(response, "user.username") == "[duplicate]user.username"


def test_missing_email_and_username_is_blank_email(client: TestClient) -> None:
    response = client.post("/api/user", json={"user": {"password": PASSWORD}})
    assert field_code(response, "user.email") == "[blank]user.email"


def test_malformed_email_is_not_email(client: TestClient) -> None:
    response = client.post("/api/user", json={"user": {"email": "nope", "password": PASSWORD}})
    assert field_code(response, "user.email") == "[notEmail]user.email"


def test_short_password_is_too_short(client: TestClient) -> None:
    response = client.post("/api/user", json={"user": {"email": "a@b.co", "password": "short"}})
    assert field_code(response, "user.password") == "[tooShort]user.password"


def test_tenant_password_rules_apply(client: TestClient, default_tenant_id: str) -> None:
    client.patch(
        f"/api/tenant/{default_tenant_id}",
        json={"tenant": {"passwordValidationRules": {"minLength": 30}}},
    )
    response = client.post("/api/user", json={"user": {"email": "a@b.co", "password": PASSWORD}})
    assert field_code(response, "user.password") == "[tooShort]user.password"


def test_missing_password_without_setup_email_is_blank(client: TestClient) -> None:
    response = client.post(
        "/api/user", json={"user": {"email": "a@b.co"}, "sendSetPasswordEmail": False}
    )
    assert field_code(response, "user.password") == "[blank]user.password"


def test_user_without_password_gets_the_setup_password_email(
    client: TestClient, database: Database
) -> None:
    from idstream.email.models import OutboxEmail

    create_user(client, password=None)
    with database.read() as session:
        outbox = list(session.scalars(select(OutboxEmail)))
    assert len(outbox) == 1


def test_malformed_user_id_in_url_is_400(client: TestClient) -> None:
    for response in (
        client.get("/api/user/not-a-uuid"),
        client.post("/api/user/not-a-uuid", json={"user": {"email": "a@b.co"}}),
        client.delete("/api/user/not-a-uuid"),
    ):
        assert field_code(response, "userId") == "[invalid]userId"


def test_malformed_tenant_id_in_body_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/user", json={"user": {"email": "a@b.co", "password": PASSWORD, "tenantId": "x"}}
    )
    assert field_code(response, "user.tenantId") == "[invalid]user.tenantId"


def test_wrong_json_type_is_400_naming_the_field(client: TestClient) -> None:
    response = client.post(
        "/api/user", json={"user": {"email": "a@b.co", "password": PASSWORD, "firstName": 5}}
    )
    assert field_code(response, "user.firstName") == "[invalid]user.firstName"


def test_missing_user_object_is_400(client: TestClient) -> None:
    response = client.post("/api/user", json={"email": "a@b.co"})
    assert field_code(response, "user") == "[missing]user"


def test_retrieve_by_id_and_unknown_is_404(client: TestClient) -> None:
    user = create_user(client)
    assert client.get(f"/api/user/{user['id']}").json()["user"] == user
    assert client.get("/api/user/00000000-0000-0000-0000-000000000000").status_code == 404


def test_retrieve_by_email_username_and_login_id(client: TestClient) -> None:
    user = create_user(client, username="Ada")
    for query in (
        "email=NewUser@example.com",
        "username=ada",
        "loginId=ada",
        "loginId=newuser@example.com",
    ):
        response = client.get(f"/api/user?{query}")
        assert response.status_code == 200, query
        assert response.json()["user"]["id"] == user["id"]
    assert client.get("/api/user?email=nobody@example.com").status_code == 404


def test_put_replaces_the_profile_and_records_update_with_original(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client, firstName="Ada", lastName="Lovelace")
    response = client.put(
        f"/api/user/{user['id']}", json={"user": {"email": "ada@example.com", "firstName": "A"}}
    )
    updated = response.json()["user"]
    assert updated["firstName"] == "A"
    assert "lastName" not in updated
    [event] = stored_events(database, "user.update")
    assert event["original"]["lastName"] == "Lovelace"
    assert event["user"]["email"] == "ada@example.com"
    assert len(stored_events(database, "user.update.complete")) == 1
    assert stored_events(database, "user.password.update") == []


def test_patch_merges_into_the_profile(client: TestClient) -> None:
    user = create_user(client, firstName="Ada", data={"a": 1, "b": 2})
    response = client.patch(
        f"/api/user/{user['id']}", json={"user": {"lastName": "L", "data": {"b": None}}}
    )
    patched = response.json()["user"]
    assert patched["firstName"] == "Ada"
    assert patched["lastName"] == "L"
    assert patched["data"] == {"a": 1}


def test_changing_the_password_records_password_update(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client)
    client.patch(f"/api/user/{user['id']}", json={"user": {"password": "another long one"}})
    [event] = stored_events(database, "user.password.update")
    assert event["user"]["id"] == user["id"]


def test_update_to_a_taken_email_is_duplicate(client: TestClient) -> None:
    create_user(client, email="taken@example.com")
    user = create_user(client, email="mine@example.com")
    response = client.patch(
        f"/api/user/{user['id']}", json={"user": {"email": "taken@example.com"}}
    )
    assert field_code(response, "user.email") == "[duplicate]user.email"


def test_delete_deactivates_and_reactivate_restores(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client)
    assert client.delete(f"/api/user/{user['id']}").status_code == 200
    assert client.get(f"/api/user/{user['id']}").json()["user"]["active"] is False
    [deactivated] = stored_events(database, "user.deactivate")
    assert deactivated["user"]["active"] is False
    response = client.put(f"/api/user/{user['id']}?reactivate=true")
    assert response.json()["user"]["active"] is True
    [reactivated] = stored_events(database, "user.reactivate")
    assert reactivated["user"]["active"] is True


def test_hard_delete_removes_the_user_and_records_delete(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client)
    assert client.delete(f"/api/user/{user['id']}?hardDelete=true").status_code == 200
    assert client.get(f"/api/user/{user['id']}").status_code == 404
    [deleted] = stored_events(database, "user.delete")
    assert deleted["user"]["id"] == user["id"]
    assert len(stored_events(database, "user.delete.complete")) == 1


def test_hard_delete_by_request_body(client: TestClient) -> None:
    user = create_user(client)
    response = client.request("DELETE", f"/api/user/{user['id']}", json={"hardDelete": True})
    assert response.status_code == 200
    assert client.get(f"/api/user/{user['id']}").status_code == 404


def test_verify_email_by_user_id_records_email_verified(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    client.patch(
        f"/api/tenant/{default_tenant_id}",
        json={"tenant": {"emailConfiguration": {"verifyEmail": True}}},
    )
    enable_events(client, default_tenant_id, "user.email.verified")
    user = create_user(client)
    assert user["verified"] is False
    response = client.post("/api/user/verify-email", json={"userId": user["id"]})
    assert response.status_code == 200, response.text
    assert client.get(f"/api/user/{user['id']}").json()["user"]["verified"] is True
    [event] = stored_events(database, "user.email.verified")
    assert event["user"]["verified"] is True


def test_verify_email_needs_a_user_id(client: TestClient) -> None:
    response = client.post("/api/user/verify-email", json={})
    assert field_code(response, "userId") == "[blank]userId"


def test_tenant_scoped_key_does_not_see_other_tenants_users(
    client: TestClient, raw_client: TestClient, database: Database
) -> None:
    from tests.conftest import create_api_key

    other = client.post("/api/tenant", json={"tenant": {"name": "Other"}}).json()["tenant"]
    user = create_user(client, tenantId=other["id"])
    default_only = create_api_key(database, tenantId=_default_tenant(client))
    response = raw_client.get(f"/api/user/{user['id']}", headers={"Authorization": default_only})
    assert response.status_code == 404


def _default_tenant(client: TestClient) -> str:
    tenants = client.get("/api/tenant").json()["tenants"]
    return str(next(t["id"] for t in tenants if t["name"] == "Default"))


def test_no_password_hash_or_salt_in_responses_or_event_payloads(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": True}}},
    )
    user = create_user(client)
    responses = [
        client.patch(f"/api/user/{user['id']}", json={"user": {"password": "second password"}}),
        client.get(f"/api/user/{user['id']}"),
        client.post("/api/user/search", json={"search": {"queryString": "*"}}),
        client.post("/api/login", json={"loginId": user["email"], "password": "second password"}),
        client.post("/api/system/audit-log/search", json={"search": {}}),
    ]
    with database.read() as session:
        payloads = b"".join(session.scalars(select(StoredEvent.payload)))
    assert b"user.password.update" in payloads
    for blob in [payloads, *(r.content for r in responses)]:
        for secret in (PASSWORD.encode(), b"second password", b"pbkdf2", b"salt", b'"password"'):
            assert secret not in blob
