"""/api/user/registration: register an existing user, full registration, read, update,
delete, and the user.registration.* events with FusionAuth's fields."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from idstream.db import Database
from tests.integration.test_applications import create_application
from tests.integration.test_users import (
    PASSWORD,
    create_user,
    enable_events,
    field_code,
    stored_events,
)

UNKNOWN_ID = "00000000-0000-0000-0000-00000000abcd"


def register(client: TestClient, user_id: str, **registration: Any) -> Any:
    return client.post(f"/api/user/registration/{user_id}", json={"registration": registration})


def test_register_existing_user_records_create_events(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    app = create_application(client)
    user = create_user(client)
    response = register(client, user["id"], applicationId=app["id"], roles=["admin"])
    assert response.status_code == 200, response.text
    registration = response.json()["registration"]
    assert registration["applicationId"] == app["id"]
    assert registration["roles"] == ["admin"]
    assert registration["usernameStatus"] == "ACTIVE"
    [event] = stored_events(database, "user.registration.create")
    assert set(event) == {
        "applicationId",
        "createInstant",
        "id",
        "info",
        "registration",
        "tenantId",
        "type",
        "user",
    }
    assert event["registration"] == registration
    assert event["user"]["registrations"] == [registration]
    assert len(stored_events(database, "user.registration.create.complete")) == 1


def test_default_roles_apply_when_none_given(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    response = register(client, user["id"], applicationId=app["id"])
    assert response.json()["registration"]["roles"] == ["user"]


def test_full_registration_creates_user_and_registration(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    app = create_application(client)
    response = client.post(
        "/api/user/registration",
        json={
            "user": {"email": "full@example.com", "password": PASSWORD},
            "registration": {"applicationId": app["id"], "roles": ["user"]},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == "full@example.com"
    assert body["user"]["registrations"][0]["applicationId"] == app["id"]
    types = [e["type"] for e in stored_events(database)]
    assert types == [
        "user.create",
        "user.create.complete",
        "user.registration.create",
        "user.registration.create.complete",
    ]


def test_full_registration_with_user_id_in_url(client: TestClient) -> None:
    app = create_application(client)
    user_id = "00000000-0000-0001-0000-00000000beef"
    response = client.post(
        f"/api/user/registration/{user_id}",
        json={
            "user": {"email": "full@example.com", "password": PASSWORD},
            "registration": {"applicationId": app["id"]},
        },
    )
    assert response.json()["user"]["id"] == user_id


def test_full_registration_with_bad_application_creates_nothing(client: TestClient) -> None:
    response = client.post(
        "/api/user/registration",
        json={
            "user": {"email": "full@example.com", "password": PASSWORD},
            "registration": {"applicationId": UNKNOWN_ID},
        },
    )
    assert field_code(response, "registration.applicationId") == (
        "[invalid]registration.applicationId"
    )
    assert client.get("/api/user?email=full@example.com").status_code == 404


def test_unknown_application_is_400(client: TestClient) -> None:
    user = create_user(client)
    response = register(client, user["id"], applicationId=UNKNOWN_ID)
    assert field_code(response, "registration.applicationId") == (
        "[invalid]registration.applicationId"
    )


def test_missing_and_malformed_application_id_are_400(client: TestClient) -> None:
    user = create_user(client)
    assert field_code(register(client, user["id"]), "registration.applicationId") == (
        "[blank]registration.applicationId"
    )
    assert (
        field_code(register(client, user["id"], applicationId="nope"), "registration.applicationId")
        == "[invalid]registration.applicationId"
    )


def test_unknown_role_is_400(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    response = register(client, user["id"], applicationId=app["id"], roles=["wizard"])
    assert field_code(response, "registration.roles") == "[invalid]registration.roles"


def test_registering_twice_is_duplicate(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    register(client, user["id"], applicationId=app["id"])
    response = register(client, user["id"], applicationId=app["id"])
    assert field_code(response, "registration.applicationId") == (
        "[duplicate]registration.applicationId"
    )


def test_registration_without_user_or_user_id_is_400(client: TestClient) -> None:
    response = client.post("/api/user/registration", json={"registration": {}})
    assert field_code(response, "userId") == "[blank]userId"


def test_unknown_user_is_404(client: TestClient) -> None:
    app = create_application(client)
    assert register(client, UNKNOWN_ID, applicationId=app["id"]).status_code == 404


def test_retrieve_registration(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    created = register(client, user["id"], applicationId=app["id"]).json()["registration"]
    response = client.get(f"/api/user/registration/{user['id']}/{app['id']}")
    assert response.json()["registration"] == created
    other = create_application(client, name="Other")
    assert client.get(f"/api/user/registration/{user['id']}/{other['id']}").status_code == 404


def test_update_records_events_with_original(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    app = create_application(client)
    user = create_user(client)
    register(client, user["id"], applicationId=app["id"], roles=["user"], data={"a": 1})
    response = client.patch(
        f"/api/user/registration/{user['id']}/{app['id']}",
        json={"registration": {"roles": ["admin", "user"]}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["registration"]["roles"] == ["admin", "user"]
    assert response.json()["registration"]["data"] == {"a": 1}
    [event] = stored_events(database, "user.registration.update")
    assert event["original"]["roles"] == ["user"]
    assert event["registration"]["roles"] == ["admin", "user"]
    assert event["applicationId"] == app["id"]
    assert len(stored_events(database, "user.registration.update.complete")) == 1


def test_put_with_application_id_in_body(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    register(client, user["id"], applicationId=app["id"], data={"a": 1})
    response = client.put(
        f"/api/user/registration/{user['id']}",
        json={"registration": {"applicationId": app["id"], "roles": ["admin"]}},
    )
    assert response.json()["registration"]["roles"] == ["admin"]
    assert "data" not in response.json()["registration"]


def test_update_with_unknown_role_is_400(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    register(client, user["id"], applicationId=app["id"])
    response = client.patch(
        f"/api/user/registration/{user['id']}/{app['id']}",
        json={"registration": {"roles": ["wizard"]}},
    )
    assert field_code(response, "registration.roles") == "[invalid]registration.roles"


def test_delete_records_delete_events(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    app = create_application(client)
    user = create_user(client)
    register(client, user["id"], applicationId=app["id"])
    response = client.delete(f"/api/user/registration/{user['id']}/{app['id']}")
    assert response.status_code == 200
    assert client.get(f"/api/user/registration/{user['id']}/{app['id']}").status_code == 404
    [event] = stored_events(database, "user.registration.delete")
    assert event["registration"]["applicationId"] == app["id"]
    assert "registrations" not in event["user"]
    assert len(stored_events(database, "user.registration.delete.complete")) == 1
