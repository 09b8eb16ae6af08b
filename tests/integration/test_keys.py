"""/api/key and the signing-key service: HMAC keys whose secret is shown once, when generated."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from idstream.db import Database
from idstream.keys import service as keys
from idstream.tenants import service as tenants
from tests.conftest import create_api_key
from tests.integration.test_users import field_code
from tests.receivers import webhook_json


def generate(client: TestClient, **key: object) -> dict:
    response = client.post("/api/key/generate", json={"key": {"name": "Webhooks", **key}})
    assert response.status_code == 200, response.text
    return dict(response.json()["key"])


def test_generate_shows_the_secret_once(client: TestClient, database: Database) -> None:
    key = generate(client, algorithm="HS512")
    assert key["algorithm"] == "HS512"
    assert key["type"] == "HMAC"
    assert key["name"] == "Webhooks"
    assert "privateKey" not in key
    with database.read() as session:
        stored = keys.hmac_secret(keys.get(session, key["id"]))
    assert base64.b64decode(key["secret"]) == stored

    retrieved = client.get(f"/api/key/{key['id']}").json()["key"]
    listed = client.get("/api/key").json()["keys"]
    assert "secret" not in retrieved
    assert all("secret" not in k for k in listed)


def test_generated_secret_is_as_long_as_the_hash(client: TestClient, database: Database) -> None:
    key = generate(client, algorithm="HS384")
    with database.read() as session:
        assert len(keys.hmac_secret(keys.get(session, key["id"]))) == 48


def test_generate_with_id_retrieve_list_and_delete(client: TestClient) -> None:
    key_id = "00000000-0000-0000-0000-00000000c0de"
    response = client.post(
        f"/api/key/generate/{key_id}", json={"key": {"name": "K", "algorithm": "HS256"}}
    )
    assert response.json()["key"]["id"] == key_id
    assert client.get(f"/api/key/{key_id}").json()["key"]["name"] == "K"
    assert [k["id"] for k in client.get("/api/key").json()["keys"]] == [key_id]
    assert client.delete(f"/api/key/{key_id}").status_code == 200
    assert client.get(f"/api/key/{key_id}").status_code == 404


def test_asymmetric_algorithms_are_refused(client: TestClient) -> None:
    response = client.post("/api/key/generate", json={"key": {"name": "R", "algorithm": "RS256"}})
    assert field_code(response, "key.algorithm") == "[invalid]key.algorithm"


def test_duplicate_name_and_missing_fields_are_400(client: TestClient) -> None:
    generate(client, algorithm="HS256")
    response = client.post(
        "/api/key/generate", json={"key": {"name": "Webhooks", "algorithm": "HS256"}}
    )
    assert field_code(response, "key.name") == "[duplicate]key.name"
    response = client.post("/api/key/generate", json={"key": {}})
    assert field_code(response, "key.name") == "[blank]key.name"
    assert response.json()["fieldErrors"]["key.algorithm"][0]["code"] == "[blank]key.algorithm"


def test_malformed_key_id_is_400(client: TestClient) -> None:
    assert field_code(client.get("/api/key/nope"), "keyId") == "[invalid]keyId"


def test_tenant_scoped_key_cannot_manage_keys(
    raw_client: TestClient, database: Database, default_tenant_id: str
) -> None:
    scoped = create_api_key(database, tenantId=default_tenant_id)
    response = raw_client.get("/api/key", headers={"Authorization": scoped})
    assert response.status_code == 401


def test_tenant_signing_key_is_made_once_and_remembered(database: Database) -> None:
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        first = keys.tenant_signing_key(session, tenant)
        second = keys.tenant_signing_key(session, tenant)
        first_id, algorithm = first.id, first.algorithm
        assert second.id == first_id
    with database.read() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        assert tenant.doc["jwtConfiguration"]["accessTokenKeyId"] == first_id
    assert algorithm == "HS256"


def test_signing_key_in_use_cannot_be_deleted(client: TestClient, database: Database) -> None:
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        key_id = keys.tenant_signing_key(session, tenant).id
    response = client.delete(f"/api/key/{key_id}")
    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[KeyInUse]"


def test_key_signing_a_webhook_cannot_be_deleted(client: TestClient) -> None:
    key = client.post("/api/key/generate", json={"key": {"name": "hooks", "algorithm": "HS256"}})
    key_id = key.json()["key"]["id"]
    signed = {"signatureConfiguration": {"enabled": True, "signingKeyId": key_id}}
    webhook = client.post(
        "/api/webhook", json=webhook_json("http://127.0.0.1:9/hook", "user.create", **signed)
    )
    assert webhook.status_code == 200, webhook.text

    response = client.delete(f"/api/key/{key_id}")

    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[KeyInUse]"
    assert client.get(f"/api/key/{key_id}").status_code == 200
