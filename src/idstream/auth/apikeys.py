"""API keys: FusionAuth's APIKey object, secrets stored hashed and shown once at creation."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.auth.models import ApiKey
from idstream.db import get_or_not_found, new_id
from idstream.errors import Errors
from idstream.jsondoc import check_type, check_uuid
from idstream.tenants.models import Tenant

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def generate_secret() -> str:
    return secrets.token_urlsafe(48)


def find_by_secret(session: Session, raw: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))


def get(session: Session, key_id: str) -> ApiKey:
    return get_or_not_found(session, ApiKey, key_id)


def list_all(session: Session, tenant_id: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.insert_instant)
    if tenant_id:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return list(session.scalars(query))


def description(key: ApiKey) -> str | None:
    attributes = (key.doc.get("metaData") or {}).get("attributes") or {}
    value = attributes.get("description")
    return str(value) if value is not None else None


def permissions(key: ApiKey) -> dict[str, list[str]]:
    return (key.doc.get("permissions") or {}).get("endpoints") or {}


def to_json(key: ApiKey, raw_secret: str | None = None) -> dict[str, Any]:
    """The APIKey object. The secret is in `key` only in the response that created it."""
    return {
        **key.doc,
        "id": key.id,
        "key": raw_secret,
        "keyHint": key.key_hint,
        "tenantId": key.tenant_id,
        "retrievable": False,
        "insertInstant": key.insert_instant,
        "lastUpdateInstant": key.last_update_instant,
    }


def create(
    session: Session, api_key: dict[str, Any], key_id: str | None = None
) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is never readable again."""
    doc, tenant_id = _validated(session, api_key)
    raw = api_key.get("key")
    if raw is not None and (not isinstance(raw, str) or len(raw) < 16):
        errors = Errors()
        errors.field(
            "apiKey.key", "tooShort", "A supplied [apiKey.key] must be at least 16 characters."
        )
        errors.raise_if_any()
    raw = raw or generate_secret()
    if find_by_secret(session, raw) is not None:
        errors = Errors()
        errors.field("apiKey.key", "duplicate", "An API key with this [apiKey.key] already exists.")
        errors.raise_if_any()
    now = clock.now_ms()
    key = ApiKey(
        id=key_id or new_id(),
        key_hash=hash_key(raw),
        key_hint=raw[:4],
        tenant_id=tenant_id,
        doc=doc,
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(key)
    session.flush()
    return key, raw


def update(session: Session, key: ApiKey, api_key: dict[str, Any]) -> ApiKey:
    doc, tenant_id = _validated(
        session, {**api_key, "tenantId": api_key.get("tenantId", key.tenant_id)}
    )
    key.doc = doc
    key.tenant_id = tenant_id
    key.last_update_instant = clock.now_ms()
    session.flush()
    return key


def delete(session: Session, key: ApiKey) -> None:
    session.delete(key)
    session.flush()


def _validated(session: Session, api_key: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    errors = Errors()
    tenant_id = check_uuid(errors, api_key, "tenantId", "apiKey.tenantId")
    if tenant_id and session.get(Tenant, tenant_id) is None:
        errors.field("apiKey.tenantId", "invalid", f"No tenant with Id [{tenant_id}] exists.")
    meta = check_type(errors, api_key, "metaData", "apiKey.metaData", dict) or {}
    attributes = check_type(errors, meta, "attributes", "apiKey.metaData.attributes", dict) or {}
    perms = check_type(errors, api_key, "permissions", "apiKey.permissions", dict) or {}
    endpoints = check_type(errors, perms, "endpoints", "apiKey.permissions.endpoints", dict) or {}
    clean_endpoints: dict[str, list[str]] = {}
    for endpoint, methods in endpoints.items():
        path = f"apiKey.permissions.endpoints[{endpoint}]"
        if not isinstance(endpoint, str) or not endpoint.startswith("/api/"):
            errors.field(
                path, "invalid", f"[{endpoint}] is not an API endpoint; it must start with /api/."
            )
            continue
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            errors.field(path, "invalid", f"The [{path}] field must be an array of HTTP methods.")
            continue
        upper = sorted({m.upper() for m in methods})
        unknown = [m for m in upper if m not in HTTP_METHODS]
        if unknown:
            errors.field(path, "invalid", f"Unknown HTTP method(s) {unknown} in [{path}].")
            continue
        clean_endpoints[endpoint] = upper
    key_manager = check_type(errors, api_key, "keyManager", "apiKey.keyManager", bool)
    name = check_type(errors, api_key, "name", "apiKey.name", str)
    expiration = check_type(errors, api_key, "expirationInstant", "apiKey.expirationInstant", int)
    errors.raise_if_any()
    doc: dict[str, Any] = {
        "metaData": {"attributes": {str(k): str(v) for k, v in attributes.items()}},
        "permissions": {"endpoints": clean_endpoints},
        "keyManager": bool(key_manager),
        "name": name,
        "expirationInstant": expiration,
    }
    return doc, tenant_id
