"""/api/system-configuration: defaults, PATCH merge, PUT replace, validation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from idstream.db import Database
from tests.conftest import create_api_key
from tests.integration.test_users import field_code


def test_defaults_do_not_record_api_changes(client: TestClient) -> None:
    config = client.get("/api/system-configuration").json()["systemConfiguration"]
    assert config["auditLogConfiguration"]["recordApiChanges"] is False
    assert config["reportTimezone"] == "America/Denver"


def test_patch_merges_and_keeps_the_rest(client: TestClient) -> None:
    client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"reportTimezone": "Europe/Paris"}},
    )
    response = client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": True}}},
    )
    config = response.json()["systemConfiguration"]
    assert config["auditLogConfiguration"]["recordApiChanges"] is True
    assert config["auditLogConfiguration"]["delete"]["numberOfDaysToRetain"] == 365
    assert config["reportTimezone"] == "Europe/Paris"
    assert client.get("/api/system-configuration").json()["systemConfiguration"] == config


def test_put_replaces_with_defaults(client: TestClient) -> None:
    client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"reportTimezone": "Europe/Paris"}},
    )
    response = client.put("/api/system-configuration", json={"systemConfiguration": {}})
    assert response.json()["systemConfiguration"]["reportTimezone"] == "America/Denver"


def test_wrong_type_is_400_naming_the_field(client: TestClient) -> None:
    field = "systemConfiguration.auditLogConfiguration.recordApiChanges"
    response = client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": "yes"}}},
    )
    assert field_code(response, field) == f"[invalid]{field}"


def test_tenant_scoped_key_cannot_change_it(
    raw_client: TestClient, database: Database, default_tenant_id: str
) -> None:
    key = create_api_key(database, tenantId=default_tenant_id)
    response = raw_client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"reportTimezone": "UTC"}},
        headers={"Authorization": key},
    )
    assert response.status_code == 401


def test_change_is_audited_when_api_changes_are_recorded(client: TestClient) -> None:
    client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": True}}},
    )
    client.patch(
        "/api/system-configuration", json={"systemConfiguration": {"reportTimezone": "UTC"}}
    )
    found = client.post(
        "/api/system/audit-log/search", json={"search": {"message": "system configuration"}}
    ).json()
    assert found["total"] >= 1
