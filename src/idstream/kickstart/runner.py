"""Kickstart: on an empty database, create API keys and run the file's requests through the
real API, as FusionAuth's FUSIONAUTH_APP_KICKSTART_FILE does."""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idstream.auth import apikeys
from idstream.auth.models import ApiKey
from idstream.db import Database
from idstream.system import bootstrap

VARIABLE = re.compile(r"#\{([^}]+)\}")
FILE_AS_STRING = re.compile(r'"@\{([^}]+)\}"')
FILE_AS_JSON = re.compile(r'"&\{([^}]+)\}"')


class KickstartError(Exception):
    """A kickstart that could not run; the message names the request and the error."""


@dataclass
class KickstartResult:
    ran: bool
    requests: int = 0
    reason: str = ""


def run(db: Database, app: FastAPI, path: str) -> KickstartResult:
    """Run the kickstart file at `path` unless this database has already been set up."""
    with db.read() as session:
        has_keys = bool(session.scalar(select(func.count()).select_from(ApiKey)))
    if has_keys:
        return KickstartResult(False, reason="the database already has API keys")
    kickstart = load(path)
    first_key = _create_api_keys(db, kickstart.get("apiKeys") or [])
    requests = kickstart.get("requests") or []
    # In-process, without the app's lifespan: the workers start later, with the server.
    client = TestClient(app, raise_server_exceptions=False)
    for index, item in enumerate(requests, start=1):
        _send(client, first_key, index, item)
    bootstrap.mark(db, "kickstartInstant")
    return KickstartResult(True, len(requests))


def load(path: str) -> dict[str, Any]:
    """Read the file and substitute variables, environment values, UUIDs and included files."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise KickstartError(f"Kickstart file [{path}] cannot be read: {error.strerror}.") from None
    text = _include_files(text, file.parent)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise KickstartError(f"Kickstart file [{path}] is not valid JSON: {error}.") from None
    if not isinstance(raw, dict):
        raise KickstartError(f"Kickstart file [{path}] must hold a JSON object.")
    variables = {
        str(name): _substitute(value, {}) for name, value in (raw.get("variables") or {}).items()
    }
    return {k: _substitute(v, variables) for k, v in raw.items() if k != "variables"}


def _include_files(text: str, base: Path) -> str:
    def read(name: str) -> str:
        target = base / name
        try:
            return target.read_text(encoding="utf-8")
        except OSError as error:
            raise KickstartError(
                f"Kickstart include [{name}] cannot be read: {error.strerror}."
            ) from None

    text = FILE_AS_STRING.sub(lambda m: json.dumps(read(m.group(1))), text)
    return FILE_AS_JSON.sub(lambda m: read(m.group(1)), text)


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name == "UUID()":
            return str(uuid.uuid4())
        if name.startswith("ENV."):
            env_name = name[4:]
            if env_name not in os.environ:
                raise KickstartError(f"Kickstart uses #{{{name}}} but {env_name} is not set.")
            return os.environ[env_name]
        if name not in variables:
            raise KickstartError(f"Kickstart uses #{{{name}}}, which is not in [variables].")
        return str(variables[name])

    return VARIABLE.sub(replace, value)


def _create_api_keys(db: Database, keys: list[Any]) -> str:
    if not keys:
        raise KickstartError("Kickstart needs at least one entry in [apiKeys] to run its requests.")
    first: str | None = None
    with db.unit_of_work() as session:
        for index, entry in enumerate(keys, start=1):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise KickstartError(f"Kickstart apiKeys[{index}] needs a [key] string.")
            api_key: dict[str, Any] = {"key": entry["key"]}
            if entry.get("description"):
                api_key["metaData"] = {"attributes": {"description": entry["description"]}}
            if entry.get("tenantId"):
                api_key["tenantId"] = entry["tenantId"]
            if entry.get("permissions"):
                api_key["permissions"] = entry["permissions"]
            try:
                apikeys.create(session, api_key, entry.get("id"))
            except Exception as error:
                raise KickstartError(f"Kickstart apiKeys[{index}] was refused: {error}.") from None
            first = first or entry["key"]
    assert first is not None
    return first


def _send(client: TestClient, api_key: str, index: int, item: Any) -> None:
    if not isinstance(item, dict) or not item.get("method") or not item.get("url"):
        raise KickstartError(f"Kickstart request #{index} needs [method] and [url].")
    method, url = str(item["method"]).upper(), str(item["url"])
    headers = {"Authorization": api_key}
    if item.get("tenantId"):
        headers["X-FusionAuth-TenantId"] = str(item["tenantId"])
    response = client.request(method, url, headers=headers, json=item.get("body"))
    if response.status_code >= 300:
        detail = response.text.strip() or "(empty body)"
        raise KickstartError(
            f"Kickstart request #{index} {method} {url} failed with status "
            f"{response.status_code}: {detail}"
        )
