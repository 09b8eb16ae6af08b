"""/api/email/template: FusionAuth's Email Template API and the built-in Setup Password."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from idstream.db import Database
from idstream.email import service
from tests.conftest import create_api_key

BUILTIN = service.SETUP_PASSWORD_TEMPLATE_ID


def template(**fields: Any) -> dict[str, Any]:
    return {
        "emailTemplate": {
            "name": "Welcome",
            "defaultSubject": "Welcome {{ user.firstName }}",
            "defaultTextTemplate": "Hello {{ user.email }}",
            "defaultHtmlTemplate": "<p>Hello {{ user.email }}</p>",
            **fields,
        }
    }


def test_builtin_setup_password_template_exists(client: TestClient) -> None:
    response = client.get(f"/api/email/template/{BUILTIN}")
    assert response.status_code == 200
    body = response.json()["emailTemplate"]
    assert body["id"] == BUILTIN
    assert body["name"] == "[idstream Default] Setup Password"
    assert "{{ setupPasswordUrl }}" in body["defaultTextTemplate"]


def test_list_includes_builtin_and_created(client: TestClient) -> None:
    client.post("/api/email/template", json=template())
    names = [t["name"] for t in client.get("/api/email/template").json()["emailTemplates"]]
    assert names == ["[idstream Default] Setup Password", "Welcome"]


def test_create_retrieve_update_delete(client: TestClient) -> None:
    created = client.post("/api/email/template", json=template(defaultFromName="Acme"))
    assert created.status_code == 200, created.text
    body = created.json()["emailTemplate"]
    assert body["defaultFromName"] == "Acme"
    assert isinstance(body["insertInstant"], int)
    template_id = body["id"]

    fetched = client.get(f"/api/email/template/{template_id}").json()["emailTemplate"]
    assert fetched == body

    put = client.put(f"/api/email/template/{template_id}", json=template(name="Renamed")).json()[
        "emailTemplate"
    ]
    assert put["name"] == "Renamed"
    assert "defaultFromName" not in put  # PUT replaces the whole template

    assert client.delete(f"/api/email/template/{template_id}").status_code == 200
    assert client.get(f"/api/email/template/{template_id}").status_code == 404


def test_create_with_id_in_url(client: TestClient) -> None:
    template_id = "a1b2c3d4-0000-4000-8000-000000000001"
    response = client.post(f"/api/email/template/{template_id}", json=template())
    assert response.json()["emailTemplate"]["id"] == template_id


def test_patch_changes_only_given_fields(client: TestClient) -> None:
    template_id = client.post("/api/email/template", json=template()).json()["emailTemplate"]["id"]
    patched = client.patch(
        f"/api/email/template/{template_id}", json={"emailTemplate": {"defaultSubject": "Hi"}}
    ).json()["emailTemplate"]
    assert patched["defaultSubject"] == "Hi"
    assert patched["defaultTextTemplate"] == "Hello {{ user.email }}"


def test_editing_the_builtin_keeps_its_id(client: TestClient) -> None:
    response = client.patch(
        f"/api/email/template/{BUILTIN}", json={"emailTemplate": {"defaultSubject": "Set it"}}
    )
    assert response.status_code == 200, response.text
    fetched = client.get(f"/api/email/template/{BUILTIN}").json()["emailTemplate"]
    assert fetched["defaultSubject"] == "Set it"
    assert fetched["name"] == "[idstream Default] Setup Password"


def test_builtin_cannot_be_deleted(client: TestClient) -> None:
    response = client.delete(f"/api/email/template/{BUILTIN}")
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["emailTemplateId"][0]["code"] == "[inUse]emailTemplateId"


def test_template_a_tenant_uses_cannot_be_deleted(
    client: TestClient, default_tenant_id: str
) -> None:
    template_id = client.post("/api/email/template", json=template()).json()["emailTemplate"]["id"]
    client.patch(
        f"/api/tenant/{default_tenant_id}",
        json={"tenant": {"emailConfiguration": {"setPasswordEmailTemplateId": template_id}}},
    )
    assert client.delete(f"/api/email/template/{template_id}").status_code == 400


def test_unknown_id_is_404(client: TestClient) -> None:
    assert client.get("/api/email/template/a1b2c3d4-0000-4000-8000-00000000ffff").status_code == 404


def test_malformed_id_is_400_naming_it(client: TestClient) -> None:
    response = client.get("/api/email/template/not-a-uuid")
    assert response.status_code == 400
    assert "emailTemplateId" in response.json()["fieldErrors"]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"name": " "}, "emailTemplate.name", "blank"),
        ({"defaultSubject": None}, "emailTemplate.defaultSubject", "blank"),
        ({"defaultTextTemplate": ""}, "emailTemplate.defaultTextTemplate", "blank"),
        ({"defaultHtmlTemplate": 7}, "emailTemplate.defaultHtmlTemplate", "invalid"),
        ({"defaultSubject": "{% if %}"}, "emailTemplate.defaultSubject", "invalidTemplate"),
        ({"localizedSubjects": "fr"}, "emailTemplate.localizedSubjects", "invalid"),
    ],
)
def test_bad_template_is_400_naming_the_field(
    client: TestClient, fields: dict, field: str, code: str
) -> None:
    response = client.post("/api/email/template", json=template(**fields))
    assert response.status_code == 400
    assert response.json()["fieldErrors"][field][0]["code"] == f"[{code}]{field}"


def test_missing_wrapper_is_400(client: TestClient) -> None:
    response = client.post("/api/email/template", json={"name": "x"})
    assert response.status_code == 400
    assert "emailTemplate" in response.json()["fieldErrors"]


def test_duplicate_name_is_400(client: TestClient) -> None:
    client.post("/api/email/template", json=template())
    response = client.post("/api/email/template", json=template(name="welcome"))
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["emailTemplate.name"][0]["code"] == (
        "[duplicate]emailTemplate.name"
    )


def test_builtin_name_is_taken(client: TestClient) -> None:
    response = client.post(
        "/api/email/template", json=template(name="[idstream Default] Setup Password")
    )
    assert response.status_code == 400


def test_duplicate_id_is_400(client: TestClient) -> None:
    response = client.post(f"/api/email/template/{BUILTIN}", json=template())
    assert response.status_code == 400
    assert "emailTemplateId" in response.json()["fieldErrors"]


def test_tenant_scoped_key_cannot_change_templates(
    raw_client: TestClient, database: Database, default_tenant_id: str
) -> None:
    key = create_api_key(database, tenantId=default_tenant_id)
    response = raw_client.post(
        "/api/email/template", json=template(), headers={"Authorization": key}
    )
    assert response.status_code == 401
