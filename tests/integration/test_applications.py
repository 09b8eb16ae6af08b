"""/api/application: CRUD with roles, soft and hard delete, the built-in admin application."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from idstream.system.bootstrap import ADMIN_APPLICATION_ID
from tests.integration.test_users import field_code

ROLES = [
    {"name": "user", "isDefault": True},
    {"name": "admin", "isSuperRole": True, "description": "Everything"},
]


def create_application(client: TestClient, **application: Any) -> dict[str, Any]:
    body = {"name": "Pied Piper", "roles": ROLES, **application}
    response = client.post("/api/application", json={"application": body})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["application"]
    return created


def test_create_returns_application_with_role_ids(
    client: TestClient, default_tenant_id: str
) -> None:
    app = create_application(client)
    assert app["name"] == "Pied Piper"
    assert app["active"] is True
    assert app["tenantId"] == default_tenant_id
    roles = {r["name"]: r for r in app["roles"]}
    assert roles["user"]["isDefault"] is True
    assert roles["admin"]["isSuperRole"] is True
    assert roles["admin"]["description"] == "Everything"
    assert all(len(r["id"]) == 36 for r in app["roles"])


def test_create_with_id_in_url(client: TestClient) -> None:
    app_id = "10000000-0000-0002-0000-000000000001"
    response = client.post(f"/api/application/{app_id}", json={"application": {"name": "X"}})
    assert response.json()["application"]["id"] == app_id


def test_retrieve_and_list(client: TestClient) -> None:
    app = create_application(client)
    assert client.get(f"/api/application/{app['id']}").json()["application"] == app
    names = {a["name"] for a in client.get("/api/application").json()["applications"]}
    assert names == {"Pied Piper", "idstream"}


def test_builtin_admin_application_is_retrievable(client: TestClient) -> None:
    response = client.get(f"/api/application/{ADMIN_APPLICATION_ID}")
    assert response.status_code == 200
    assert {r["name"] for r in response.json()["application"]["roles"]} >= {"admin"}


def test_builtin_admin_application_cannot_be_deleted(client: TestClient) -> None:
    response = client.delete(f"/api/application/{ADMIN_APPLICATION_ID}?hardDelete=true")
    assert response.status_code == 400
    assert client.get(f"/api/application/{ADMIN_APPLICATION_ID}").status_code == 200


def test_patch_merges_and_keeps_role_ids(client: TestClient) -> None:
    app = create_application(client)
    user_role_id = next(r["id"] for r in app["roles"] if r["name"] == "user")
    response = client.patch(
        f"/api/application/{app['id']}",
        json={"application": {"roles": [{"name": "user"}, {"name": "viewer"}]}},
    )
    patched = response.json()["application"]
    assert patched["name"] == "Pied Piper"
    assert {r["name"] for r in patched["roles"]} == {"user", "viewer"}
    assert next(r["id"] for r in patched["roles"] if r["name"] == "user") == user_role_id


def test_put_replaces(client: TestClient) -> None:
    app = create_application(client, data={"a": 1})
    response = client.put(f"/api/application/{app['id']}", json={"application": {"name": "New"}})
    updated = response.json()["application"]
    assert updated["name"] == "New"
    assert updated["roles"] == []
    assert "data" not in updated


def test_delete_deactivates_and_reactivate_restores(client: TestClient) -> None:
    app = create_application(client)
    assert client.delete(f"/api/application/{app['id']}").status_code == 200
    assert client.get(f"/api/application/{app['id']}").json()["application"]["active"] is False
    inactive = client.get("/api/application?inactive=true").json()["applications"]
    assert [a["id"] for a in inactive] == [app["id"]]
    response = client.put(f"/api/application/{app['id']}?reactivate=true")
    assert response.json()["application"]["active"] is True


def test_hard_delete_removes(client: TestClient) -> None:
    app = create_application(client)
    assert client.delete(f"/api/application/{app['id']}?hardDelete=true").status_code == 200
    assert client.get(f"/api/application/{app['id']}").status_code == 404


def test_blank_name_is_400(client: TestClient) -> None:
    response = client.post("/api/application", json={"application": {"name": " "}})
    assert field_code(response, "application.name") == "[blank]application.name"


def test_duplicate_name_in_tenant_is_400(client: TestClient) -> None:
    create_application(client)
    response = client.post("/api/application", json={"application": {"name": "Pied Piper"}})
    assert field_code(response, "application.name") == "[duplicate]application.name"


def test_duplicate_role_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/application",
        json={"application": {"name": "X", "roles": [{"name": "a"}, {"name": "a"}]}},
    )
    assert field_code(response, "application.roles[1].name") == (
        "[duplicate]application.roles[1].name"
    )


def test_malformed_ids_are_400(client: TestClient) -> None:
    assert field_code(client.get("/api/application/nope"), "applicationId") == (
        "[invalid]applicationId"
    )
    response = client.post("/api/application", json={"application": {"name": "X", "tenantId": "t"}})
    assert field_code(response, "application.tenantId") == "[invalid]application.tenantId"


def test_unknown_tenant_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/application",
        json={"application": {"name": "X", "tenantId": "00000000-0000-0000-0000-000000000009"}},
    )
    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[TenantDoesNotExist]"
