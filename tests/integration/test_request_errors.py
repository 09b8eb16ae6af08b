"""Malformed JSON, wrong shapes and oversized bodies get a clear 400, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_malformed_json_is_400_with_message(client: TestClient) -> None:
    response = client.post(
        "/api/tenant", content=b'{"tenant": {', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["generalErrors"][0]
    assert error["code"] == "[invalidJSON]"
    assert "not valid JSON" in error["message"]


def test_non_object_body_is_400(client: TestClient) -> None:
    response = client.post("/api/tenant", json=[1, 2])
    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[invalidJSON]"


def test_missing_wrapper_names_it(client: TestClient) -> None:
    response = client.post("/api/tenant", json={"name": "flat"})
    assert response.status_code == 400
    assert "tenant" in response.json()["fieldErrors"]


def test_oversized_body_is_400(client: TestClient) -> None:
    big = b'{"tenant": {"name": "' + b"x" * 2_000_000 + b'"}}'
    response = client.post("/api/tenant", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[RequestTooLarge]"


def test_status_is_200_when_database_reachable(raw_client: TestClient) -> None:
    response = raw_client.get("/api/status")
    assert response.status_code == 200


def test_unique_value_race_is_400_not_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests saving the same name at once: the database's unique constraint decides,
    and the loser gets a clear 400 (simulated by skipping the service's own check)."""
    from idstream.tenants import service

    monkeypatch.setattr(service, "_validated", lambda _session, doc, tenant_id: doc)
    assert client.post("/api/tenant", json={"tenant": {"name": "Twin"}}).status_code == 200

    response = client.post("/api/tenant", json={"tenant": {"name": "Twin"}})

    assert response.status_code == 400
    assert response.json()["generalErrors"][0]["code"] == "[duplicate]"
    names = [t["name"] for t in client.get("/api/tenant").json()["tenants"]]
    assert names.count("Twin") == 1
