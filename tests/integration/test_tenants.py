"""/api/tenant: CRUD, eventConfiguration round-trips, PATCH merge semantics, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_default_tenant_exists_after_first_start(client: TestClient) -> None:
    names = [t["name"] for t in client.get("/api/tenant").json()["tenants"]]
    assert names == ["Default"]


def test_tenant_crud_round_trips_event_configuration(client: TestClient) -> None:
    events = {
        "user.create": {"enabled": True, "transactionType": "None"},
        "user.delete": {"enabled": True, "transactionType": "SimpleMajority"},
    }
    created = client.post(
        "/api/tenant", json={"tenant": {"name": "Acme", "eventConfiguration": {"events": events}}}
    )
    assert created.status_code == 200, created.text
    tenant = created.json()["tenant"]
    assert tenant["eventConfiguration"]["events"]["user.create"] == events["user.create"]
    assert tenant["eventConfiguration"]["events"]["user.delete"] == events["user.delete"]
    assert tenant["eventConfiguration"]["events"]["user.update"] == {
        "enabled": False,
        "transactionType": "None",
    }

    fetched = client.get(f"/api/tenant/{tenant['id']}").json()["tenant"]
    assert fetched["eventConfiguration"] == tenant["eventConfiguration"]

    put = client.put(
        f"/api/tenant/{tenant['id']}",
        json={"tenant": {"name": "Acme Corp", "eventConfiguration": {"events": {}}}},
    ).json()["tenant"]
    assert put["name"] == "Acme Corp"
    assert put["eventConfiguration"]["events"]["user.create"]["enabled"] is False

    assert client.delete(f"/api/tenant/{tenant['id']}").status_code == 200
    assert client.get(f"/api/tenant/{tenant['id']}").status_code == 404


def test_create_with_id_in_url(client: TestClient) -> None:
    tenant_id = "6825d48e-4df4-f83e-1055-f1d42e363749"
    response = client.post(f"/api/tenant/{tenant_id}", json={"tenant": {"name": "Fixed"}})
    assert response.json()["tenant"]["id"] == tenant_id


def test_patch_merges_and_null_removes(client: TestClient) -> None:
    tenant = client.post(
        "/api/tenant",
        json={"tenant": {"name": "Patchy", "data": {"keep": 1, "drop": 2}, "issuer": "acme.com"}},
    ).json()["tenant"]
    patched = client.patch(
        f"/api/tenant/{tenant['id']}",
        json={
            "tenant": {
                "data": {"drop": None, "added": 3},
                "eventConfiguration": {"events": {"user.create": {"enabled": True}}},
            }
        },
    ).json()["tenant"]
    assert patched["name"] == "Patchy"
    assert patched["issuer"] == "acme.com"
    assert patched["data"] == {"keep": 1, "added": 3}
    assert patched["eventConfiguration"]["events"]["user.create"]["enabled"] is True


def test_blank_name_is_field_error(client: TestClient) -> None:
    response = client.post("/api/tenant", json={"tenant": {"name": " "}})
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["tenant.name"][0]["code"] == "[blank]tenant.name"


def test_duplicate_name_is_field_error(client: TestClient) -> None:
    response = client.post("/api/tenant", json={"tenant": {"name": "Default"}})
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["tenant.name"][0]["code"] == "[duplicate]tenant.name"


def test_unknown_transaction_type_names_the_field(client: TestClient) -> None:
    body = {
        "tenant": {
            "name": "Bad",
            "eventConfiguration": {
                "events": {"user.create": {"enabled": True, "transactionType": "Most"}}
            },
        }
    }
    response = client.post("/api/tenant", json=body)
    assert response.status_code == 400
    field = "tenant.eventConfiguration.events[user.create].transactionType"
    assert response.json()["fieldErrors"][field][0]["code"] == f"[invalid]{field}"
    assert client.get("/api/tenant").json()["tenants"][-1]["name"] != "Bad"


def test_unknown_event_type_is_refused(client: TestClient) -> None:
    body = {
        "tenant": {
            "name": "Bad",
            "eventConfiguration": {"events": {"user.explode": {"enabled": True}}},
        }
    }
    response = client.post("/api/tenant", json=body)
    assert response.status_code == 400
    assert "tenant.eventConfiguration.events[user.explode]" in response.json()["fieldErrors"]


def test_wrong_type_is_400_not_500(client: TestClient) -> None:
    response = client.post("/api/tenant", json={"tenant": {"name": 42}})
    assert response.status_code == 400
    assert "tenant.name" in response.json()["fieldErrors"]


def test_unknown_id_is_404_with_empty_body(client: TestClient) -> None:
    response = client.get("/api/tenant/00000000-0000-0000-0000-000000000001")
    assert response.status_code == 404
    assert response.content == b""


def test_malformed_id_is_400(client: TestClient) -> None:
    response = client.get("/api/tenant/not-a-uuid")
    assert response.status_code == 400
    assert "tenantId" in response.json()["fieldErrors"]


def test_email_password_is_never_returned(client: TestClient) -> None:
    body = {
        "tenant": {"name": "Mail", "emailConfiguration": {"host": "smtp", "password": "s3cret!"}}
    }
    created = client.post("/api/tenant", json=body)
    assert "s3cret!" not in created.text
    tenant_id = created.json()["tenant"]["id"]
    client.patch(
        f"/api/tenant/{tenant_id}", json={"tenant": {"emailConfiguration": {"port": 2525}}}
    )
    assert "s3cret!" not in client.get(f"/api/tenant/{tenant_id}").text


def test_tenant_changes_are_audited_when_api_changes_are_recorded(client: TestClient) -> None:
    client.patch(
        "/api/system-configuration",
        json={"systemConfiguration": {"auditLogConfiguration": {"recordApiChanges": True}}},
    )
    tenant = client.post("/api/tenant", json={"tenant": {"name": "Audited"}}).json()["tenant"]
    client.patch(f"/api/tenant/{tenant['id']}", json={"tenant": {"name": "Audited 2"}})
    client.delete(f"/api/tenant/{tenant['id']}")

    entries = client.post("/api/system/audit-log/search", json={"search": {"message": "tenant"}})
    messages = sorted(e["message"] for e in entries.json()["auditLogs"])
    assert messages == [
        f"Created the tenant with Id [{tenant['id']}] and name [Audited]",
        f"Deleted the tenant with Id [{tenant['id']}] and name [Audited 2]",
        f"Updated the tenant with Id [{tenant['id']}] and name [Audited 2]",
    ]


def test_tenant_changes_are_not_audited_by_default(client: TestClient) -> None:
    client.post("/api/tenant", json={"tenant": {"name": "Quiet"}})
    entries = client.post("/api/system/audit-log/search", json={"search": {}}).json()
    assert entries["total"] == 0
