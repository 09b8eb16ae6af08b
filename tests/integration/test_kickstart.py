"""Kickstart: an empty database is set up from a file through the real API, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from idstream.app import create_app
from idstream.config import Settings
from idstream.db import Database
from idstream.kickstart.runner import KickstartError, run

API_KEY = "kickstart-api-key-0123456789abcdef"


def write(path: Path, value: object) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def kickstart_file(tmp_path: Path) -> str:
    return write(
        tmp_path / "kickstart.json",
        {
            "variables": {"tenantId": "#{UUID()}", "tenantName": "#{ENV.KICKSTART_TENANT}"},
            "apiKeys": [{"key": API_KEY, "description": "kickstart key"}],
            "requests": [
                {
                    "method": "POST",
                    "url": "/api/tenant/#{tenantId}",
                    "body": {
                        "tenant": {
                            "name": "#{tenantName}",
                            "eventConfiguration": {
                                "events": {
                                    "user.create": {"enabled": True, "transactionType": "None"}
                                }
                            },
                        }
                    },
                }
            ],
        },
    )


def test_kickstart_creates_api_key_and_tenant_with_event_enabled(
    tmp_path: Path, database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KICKSTART_TENANT", "Pied Piper")
    app = create_app(settings, database)

    result = run(database, app, kickstart_file(tmp_path))

    assert result.ran and result.requests == 1
    with TestClient(app) as client:
        tenants = client.get("/api/tenant", headers={"Authorization": API_KEY}).json()["tenants"]
    piper = next(t for t in tenants if t["name"] == "Pied Piper")
    assert piper["eventConfiguration"]["events"]["user.create"]["enabled"] is True


def test_kickstart_never_runs_twice(
    tmp_path: Path, database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KICKSTART_TENANT", "Hooli")
    app = create_app(settings, database)
    path = kickstart_file(tmp_path)
    assert run(database, app, path).ran

    again = run(database, app, path)

    assert not again.ran
    assert "already" in again.reason


def test_broken_request_names_the_request_and_error(
    tmp_path: Path, database: Database, settings: Settings
) -> None:
    path = write(
        tmp_path / "broken.json",
        {
            "apiKeys": [{"key": API_KEY}],
            "requests": [
                {"method": "POST", "url": "/api/tenant", "body": {"tenant": {"name": "Ok"}}},
                {"method": "POST", "url": "/api/tenant", "body": {"tenant": {"name": ""}}},
            ],
        },
    )

    with pytest.raises(KickstartError) as error:
        run(database, create_app(settings, database), path)

    message = str(error.value)
    assert "request #2 POST /api/tenant" in message
    assert "400" in message and "tenant.name" in message


def test_invalid_json_is_reported(tmp_path: Path, database: Database, settings: Settings) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{ not json")
    with pytest.raises(KickstartError, match="not valid JSON"):
        run(database, create_app(settings, database), str(path))


def test_missing_environment_variable_is_reported(
    tmp_path: Path, database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KICKSTART_TENANT", raising=False)
    with pytest.raises(KickstartError, match="KICKSTART_TENANT is not set"):
        run(database, create_app(settings, database), kickstart_file(tmp_path))


def test_included_files_are_substituted(
    tmp_path: Path, database: Database, settings: Settings
) -> None:
    tenant_id = "00000000-0000-4000-8000-00000000000a"
    (tmp_path / "tenant.json").write_text(json.dumps({"tenant": {"name": "From file"}}))
    (tmp_path / "note.txt").write_text('multi\nline "quoted"')
    path = write(
        tmp_path / "k.json",
        {
            "apiKeys": [{"key": API_KEY}],
            "requests": [
                {"method": "POST", "url": f"/api/tenant/{tenant_id}", "body": "&{tenant.json}"},
                {
                    "method": "PATCH",
                    "url": f"/api/tenant/{tenant_id}",
                    "body": {"tenant": {"data": {"note": "@{note.txt}"}}},
                },
            ],
        },
    )
    app = create_app(settings, database)

    run(database, app, path)

    with TestClient(app) as client:
        tenant = client.get(f"/api/tenant/{tenant_id}", headers={"Authorization": API_KEY}).json()
    assert tenant["tenant"]["name"] == "From file"
    assert tenant["tenant"]["data"]["note"] == 'multi\nline "quoted"'
