"""/api/webhook: CRUD in FusionAuth's shape, validation codes, secrets, search, SSRF guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from idstream.app import create_app
from idstream.config import Settings
from idstream.db import Database
from tests.conftest import create_api_key
from tests.receivers import webhook_json

URL = "https://hooks.example.com/idstream"


def test_webhook_crud_round_trips_fusionauth_fields(client: TestClient) -> None:
    body = webhook_json(
        URL,
        "user.create",
        "user.delete",
        description="Game server",
        headers={"X-Token": "abc"},
        data={"team": "blue"},
        httpAuthenticationUsername="fa",
    )
    created = client.post("/api/webhook", json=body)
    assert created.status_code == 200, created.text
    webhook = created.json()["webhook"]
    assert webhook["url"] == URL
    assert webhook["eventsEnabled"] == {"user.create": True, "user.delete": True}
    assert webhook["headers"] == {"X-Token": "abc"}
    assert webhook["global"] is True
    assert webhook["connectTimeout"] == 1000 and webhook["readTimeout"] == 2000
    assert webhook["insertInstant"] > 0

    fetched = client.get(f"/api/webhook/{webhook['id']}").json()["webhook"]
    assert fetched == webhook
    assert [w["id"] for w in client.get("/api/webhook").json()["webhooks"]] == [webhook["id"]]

    put = client.put(
        f"/api/webhook/{webhook['id']}",
        json=webhook_json("https://other.example.com/", "user.update"),
    ).json()["webhook"]
    assert put["url"] == "https://other.example.com/"
    assert put["eventsEnabled"] == {"user.update": True}
    assert "description" not in put

    patched = client.patch(
        f"/api/webhook/{webhook['id']}", json={"webhook": {"description": "patched"}}
    ).json()["webhook"]
    assert patched["description"] == "patched"
    assert patched["eventsEnabled"] == {"user.update": True}

    assert client.delete(f"/api/webhook/{webhook['id']}").status_code == 200
    assert client.get(f"/api/webhook/{webhook['id']}").status_code == 404


def test_create_with_id_in_url(client: TestClient) -> None:
    webhook_id = "1b4cdbd9-4a2b-4b8c-9a43-0a5f3a1c6f10"
    response = client.post(f"/api/webhook/{webhook_id}", json=webhook_json(URL))
    assert response.json()["webhook"]["id"] == webhook_id
    again = client.post(f"/api/webhook/{webhook_id}", json=webhook_json(URL))
    assert again.status_code == 400


def test_password_is_never_returned_and_survives_updates(client: TestClient) -> None:
    body = webhook_json(URL, httpAuthenticationUsername="u", httpAuthenticationPassword="s3cr3t!")
    created = client.post("/api/webhook", json=body)
    assert "s3cr3t!" not in created.text
    webhook_id = created.json()["webhook"]["id"]
    client.put(f"/api/webhook/{webhook_id}", json=webhook_json(URL, httpAuthenticationUsername="u"))
    client.patch(f"/api/webhook/{webhook_id}", json={"webhook": {"description": "d"}})
    assert "s3cr3t!" not in client.get(f"/api/webhook/{webhook_id}").text
    assert "s3cr3t!" not in client.get("/api/webhook").text

    from idstream.webhooks.models import Webhook

    with client.app.state.db.read() as session:  # type: ignore[attr-defined]
        stored = session.get(Webhook, webhook_id)
        assert stored is not None
        assert stored.doc["httpAuthenticationPassword"] == "s3cr3t!"


@pytest.mark.parametrize(
    ("webhook", "field", "code"),
    [
        ({"connectTimeout": 1000, "readTimeout": 1000}, "webhook.url", "blank"),
        ({"url": "ftp://x", "connectTimeout": 1, "readTimeout": 1}, "webhook.url", "invalid"),
        ({"url": URL, "readTimeout": 1000}, "webhook.connectTimeout", "blank"),
        ({"url": URL, "connectTimeout": 0, "readTimeout": 1}, "webhook.connectTimeout", "invalid"),
        ({"url": URL, "connectTimeout": 1, "readTimeout": "x"}, "webhook.readTimeout", "invalid"),
        (
            {"url": URL, "connectTimeout": 1, "readTimeout": 1, "eventsEnabled": {"nope": True}},
            "webhook.eventsEnabled[nope]",
            "invalid",
        ),
        (
            {"url": URL, "connectTimeout": 1, "readTimeout": 1, "tenantIds": ["x"]},
            "webhook.tenantIds",
            "invalid",
        ),
        (
            {"url": URL, "connectTimeout": 1, "readTimeout": 1, "headers": {"A": 1}},
            "webhook.headers[A]",
            "invalid",
        ),
        (
            {
                "url": URL,
                "connectTimeout": 1,
                "readTimeout": 1,
                "signatureConfiguration": {"enabled": True},
            },
            "webhook.signatureConfiguration.signingKeyId",
            "blank",
        ),
        (
            {
                "url": URL,
                "connectTimeout": 1,
                "readTimeout": 1,
                "signatureConfiguration": {
                    "enabled": True,
                    "signingKeyId": "0a3e7c4e-0000-4000-8000-000000000000",
                },
            },
            "webhook.signatureConfiguration.signingKeyId",
            "invalid",
        ),
        (
            {"url": URL, "connectTimeout": 1, "readTimeout": 1, "sslCertificate": "nope"},
            "webhook.sslCertificate",
            "invalid",
        ),
    ],
)
def test_invalid_webhook_is_400_naming_the_field(
    client: TestClient, webhook: dict, field: str, code: str
) -> None:
    response = client.post("/api/webhook", json={"webhook": webhook})
    assert response.status_code == 400, response.text
    assert response.json()["fieldErrors"][field][0]["code"] == f"[{code}]{field}"


def test_missing_webhook_object_is_400(client: TestClient) -> None:
    response = client.post("/api/webhook", json={"url": URL})
    assert response.status_code == 400
    assert "webhook" in response.json()["fieldErrors"]


def test_search_matches_url_description_and_tenant(
    client: TestClient, default_tenant_id: str
) -> None:
    client.post("/api/webhook", json=webhook_json("https://a.example.com/", description="Alpha"))
    client.post(
        "/api/webhook",
        json=webhook_json("https://b.example.com/", description="Beta", tenant_ids=[]),
    )
    client.post(
        "/api/webhook",
        json=webhook_json(
            "https://c.example.com/", description="Gamma", tenant_ids=[default_tenant_id]
        ),
    )

    def search(**criteria: object) -> list[str]:
        found = client.post("/api/webhook/search", json={"search": criteria}).json()
        return [w["description"] for w in found["webhooks"]]

    assert search(url="b.example") == ["Beta"]
    assert search(description="a*a") == ["Alpha", "Gamma"]
    assert search(tenantId=default_tenant_id) == ["Alpha", "Gamma"]
    assert search(numberOfResults=1, startRow=1) == ["Beta"]
    response = client.post("/api/webhook/search", json={"search": {"orderBy": "colour"}})
    assert response.status_code == 400


def test_tenant_scoped_key_cannot_manage_webhooks(
    raw_client: TestClient, database: Database, default_tenant_id: str
) -> None:
    key = create_api_key(database, tenantId=default_tenant_id)
    raw_client.headers["Authorization"] = key
    assert raw_client.get("/api/webhook").status_code == 401
    assert raw_client.post("/api/webhook", json=webhook_json(URL)).status_code == 401


@pytest.fixture
def guarded_client(database: Database, api_key: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database.url, run_workers=False, webhook_deny_private=True)
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = api_key
        yield client


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/", "http://localhost/x", "http://10.1.2.3/", "http://[::1]/"]
)
def test_deny_private_refuses_private_targets_at_save(guarded_client: TestClient, url: str) -> None:
    response = guarded_client.post("/api/webhook", json=webhook_json(url))
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["webhook.url"][0]["code"] == "[invalid]webhook.url"


def test_private_targets_are_allowed_by_default(client: TestClient) -> None:
    response = client.post("/api/webhook", json=webhook_json("http://127.0.0.1:9/"))
    assert response.status_code == 200
