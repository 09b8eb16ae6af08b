"""API authentication as FusionAuth does it: the raw key in Authorization, 401 with an empty
body otherwise, tenant-scoped keys, endpoint-limited keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from idstream.auth.models import ApiKey
from idstream.db import Database
from tests.conftest import create_api_key


def test_missing_key_is_401_with_empty_body(raw_client: TestClient) -> None:
    response = raw_client.get("/api/tenant")
    assert response.status_code == 401
    assert response.content == b""


def test_unknown_key_is_401(raw_client: TestClient) -> None:
    response = raw_client.get("/api/tenant", headers={"Authorization": "not-a-real-key-at-all"})
    assert response.status_code == 401
    assert response.content == b""


def test_valid_key_is_accepted(client: TestClient) -> None:
    assert client.get("/api/tenant").status_code == 200


def test_endpoint_limited_key_is_401_elsewhere(raw_client: TestClient, database: Database) -> None:
    key = create_api_key(database, permissions={"endpoints": {"/api/tenant": ["GET"]}})
    headers = {"Authorization": key}
    assert raw_client.get("/api/tenant", headers=headers).status_code == 200
    refused_method = raw_client.post("/api/tenant", headers=headers, json={"tenant": {"name": "x"}})
    assert refused_method.status_code == 401
    assert raw_client.get("/api/api-key", headers=headers).status_code == 401


def test_tenant_scoped_key_sees_only_its_tenant(client: TestClient, database: Database) -> None:
    mine = client.post("/api/tenant", json={"tenant": {"name": "Mine"}}).json()["tenant"]["id"]
    other = client.post("/api/tenant", json={"tenant": {"name": "Other"}}).json()["tenant"]["id"]
    scoped = {"Authorization": create_api_key(database, tenantId=mine)}

    listed = client.get("/api/tenant", headers=scoped).json()["tenants"]
    assert [t["id"] for t in listed] == [mine]
    assert client.get(f"/api/tenant/{mine}", headers=scoped).status_code == 200
    assert client.get(f"/api/tenant/{other}", headers=scoped).status_code == 401
    patch = {"tenant": {"name": "Renamed"}}
    assert client.patch(f"/api/tenant/{other}", headers=scoped, json=patch).status_code == 401
    assert (
        client.post("/api/tenant", headers=scoped, json={"tenant": {"name": "New"}}).status_code
        == 401
    )


def test_tenant_scoped_key_with_another_tenant_header_is_401(
    client: TestClient, database: Database
) -> None:
    mine = client.post("/api/tenant", json={"tenant": {"name": "Mine"}}).json()["tenant"]["id"]
    other = client.post("/api/tenant", json={"tenant": {"name": "Other"}}).json()["tenant"]["id"]
    headers = {
        "Authorization": create_api_key(database, tenantId=mine),
        "X-FusionAuth-TenantId": other,
    }
    assert client.get("/api/tenant", headers=headers).status_code == 401


def test_expired_key_is_401(raw_client: TestClient, database: Database) -> None:
    key = create_api_key(database, expirationInstant=1)
    assert raw_client.get("/api/tenant", headers={"Authorization": key}).status_code == 401


def test_api_key_secret_is_stored_hashed(client: TestClient, database: Database) -> None:
    created = client.post(
        "/api/api-key", json={"apiKey": {"metaData": {"attributes": {"description": "ci"}}}}
    )
    assert created.status_code == 200
    raw = created.json()["apiKey"]["key"]
    with database.read() as session:
        stored = session.get(ApiKey, created.json()["apiKey"]["id"])
        assert stored is not None
        assert raw not in str(stored.doc) and stored.key_hash != raw
    retrieved = client.get(f"/api/api-key/{created.json()['apiKey']['id']}").json()["apiKey"]
    assert "key" not in retrieved
    assert client.get("/api/tenant", headers={"Authorization": raw}).status_code == 200


def test_deleted_api_key_stops_working(client: TestClient) -> None:
    created = client.post("/api/api-key", json={"apiKey": {}}).json()["apiKey"]
    assert client.delete(f"/api/api-key/{created['id']}").status_code == 200
    assert client.get("/api/tenant", headers={"Authorization": created["key"]}).status_code == 401
