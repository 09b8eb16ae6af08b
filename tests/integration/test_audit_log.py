"""Audit log: API changes audited only when the system configuration says so, UI changes
always; each entry records audit-log.create; create, retrieve and search through the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from idstream.auditlog import service as audit
from idstream.auth.caller import Caller
from idstream.db import Database
from idstream.tenants import service as tenants
from idstream.users import service as users
from tests.integration.test_users import (
    PASSWORD,
    create_user,
    enable_events,
    field_code,
    stored_events,
)

CREATED_USER = re.compile(
    r"^Created user with Id \[[0-9a-f-]{36}\], name \[(.+)\] and loginId \[(.+)\]$"
)


def record_api_changes(client: TestClient) -> None:
    response = client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": True}}},
    )
    assert response.status_code == 200, response.text


def search(client: TestClient, **criteria: object) -> dict:
    response = client.post("/api/system/audit-log/search", json={"search": criteria})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_api_changes_are_not_audited_by_default(client: TestClient) -> None:
    create_user(client)
    assert search(client)["total"] == 0


def test_api_change_is_audited_when_record_api_changes(
    client: TestClient, database: Database
) -> None:
    record_api_changes(client)
    user = create_user(client)
    entries = search(client, message="Created user")["auditLogs"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["message"] == (
        f"Created user with Id [{user['id']}], name [null] and loginId [newuser@example.com]"
    )
    assert entry["insertUser"] == "test suite"  # the API key's description


def test_audit_log_create_event_matches_the_briefs_example(
    client: TestClient, database: Database
) -> None:
    record_api_changes(client)
    create_user(client, firstName="Ada", lastName="Lovelace")
    events = [
        e
        for e in stored_events(database, "audit-log.create")
        if e["auditLog"]["message"].startswith("Created user")
    ]
    [event] = events
    assert set(event) == {"auditLog", "createInstant", "id", "info", "type"}
    assert set(event["auditLog"]) == {"id", "insertInstant", "insertUser", "message", "reason"}
    match = CREATED_USER.match(event["auditLog"]["message"])
    assert match and match.groups() == ("Ada Lovelace", "newuser@example.com")
    assert isinstance(event["auditLog"]["id"], int)
    assert event["info"]["ipAddress"] == "testclient"


def test_audit_log_create_comes_before_user_create(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id, "user.create")
    record_api_changes(client)
    create_user(client)
    types = [e["type"] for e in stored_events(database)]
    assert types[-2:] == ["audit-log.create", "user.create"]


def test_update_entry_carries_old_and_new_values_without_secrets(client: TestClient) -> None:
    record_api_changes(client)
    user = create_user(client, firstName="Ada")
    client.patch(
        f"/api/user/{user['id']}", json={"user": {"firstName": "Grace", "password": "x" * 12}}
    )
    [entry] = search(client, message="Updated the user")["auditLogs"]
    assert entry["message"] == (
        f"Updated the user with Id [{user['id']}] and loginId [newuser@example.com]"
    )
    assert entry["oldValue"]["firstName"] == "Ada"
    assert entry["newValue"]["firstName"] == "Grace"
    assert "password" not in entry["newValue"]


def test_admin_ui_changes_are_always_audited(database: Database) -> None:
    admin = Caller(
        key_id=None, tenant_id=None, key_manager=True, name="admin@example.com", via_admin_ui=True
    )
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        users.create(
            session,
            tenant,
            {"user": {"email": "ui@example.com", "password": PASSWORD}},
            caller=admin,
        )
    with database.read() as session:
        entries, total = audit.search(session, {})
        found = [(e.insert_user, e.reason) for e in entries]
    assert total == 1
    assert found == [("admin@example.com", "idstream User Interface")]


def test_create_retrieve_and_event_through_the_api(client: TestClient, database: Database) -> None:
    response = client.post(
        "/api/system/audit-log",
        json={
            "auditLog": {
                "insertUser": "ops@example.com",
                "message": "Rotated the keys",
                "reason": "quarterly",
                "newValue": {"secret": "s3cr3t", "keep": 1},
            }
        },
    )
    assert response.status_code == 200, response.text
    created = response.json()["auditLog"]
    assert created["newValue"] == {"keep": 1}
    fetched = client.get(f"/api/system/audit-log/{created['id']}").json()["auditLog"]
    assert fetched == created
    [event] = stored_events(database, "audit-log.create")
    assert event["auditLog"] == created
    assert "tenantId" not in event


def test_ids_are_increasing_sequence_numbers(client: TestClient) -> None:
    ids = [
        client.post(
            "/api/system/audit-log", json={"auditLog": {"insertUser": "u", "message": f"m{i}"}}
        ).json()["auditLog"]["id"]
        for i in range(3)
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_create_requires_insert_user_and_message(client: TestClient) -> None:
    response = client.post("/api/system/audit-log", json={"auditLog": {}})
    assert field_code(response, "auditLog.insertUser") == "[blank]auditLog.insertUser"
    assert response.json()["fieldErrors"]["auditLog.message"][0]["code"] == (
        "[blank]auditLog.message"
    )


def test_retrieve_unknown_is_404_and_malformed_id_is_400(client: TestClient) -> None:
    assert client.get("/api/system/audit-log/999999").status_code == 404
    assert field_code(client.get("/api/system/audit-log/abc"), "auditLogId") == (
        "[invalid]auditLogId"
    )


def test_search_filters_pages_and_orders(client: TestClient) -> None:
    for index in range(5):
        client.post(
            "/api/system/audit-log",
            json={
                "auditLog": {"insertUser": f"user{index % 2}@x.com", "message": f"Thing {index}"}
            },
        )
    by_user = search(client, user="user1@x.com")
    assert by_user["total"] == 2
    page = search(client, message="thing", orderBy="id ASC", startRow=1, numberOfResults=2)
    assert page["total"] == 5
    assert [e["message"] for e in page["auditLogs"]] == ["Thing 1", "Thing 2"]
    newest = search(client, numberOfResults=1)["auditLogs"][0]
    assert newest["message"] == "Thing 4"


def test_search_with_bad_order_by_is_400(client: TestClient) -> None:
    response = client.post("/api/system/audit-log/search", json={"search": {"orderBy": "nope"}})
    assert field_code(response, "search.orderBy") == "[invalid]search.orderBy"
