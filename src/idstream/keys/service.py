"""Signing keys: HMAC secrets generated and kept server-side. Others sign with them through
`hmac_secret(key)`; no response, event or log carries a secret."""

from __future__ import annotations

import base64
import copy
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.auth.caller import Caller
from idstream.db import get_or_not_found, new_id
from idstream.errors import Errors, field_error, general_error
from idstream.jsondoc import check_type, request_object
from idstream.keys.models import Key
from idstream.tenants.models import Tenant
from idstream.webhooks.models import Webhook

# Secret length in bytes per algorithm: as long as the hash's output, as RFC 7518 asks.
HMAC_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}
OTHER_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "Ed25519")


def to_json(key: Key, *, with_secret: bool = False) -> dict[str, Any]:
    """FusionAuth's Key object. The HMAC secret is in it only when `with_secret`: in the
    response that generated the key, the one moment a webhook receiver can be given it (as
    API key secrets are shown once)."""
    return {
        "secret": base64.b64encode(hmac_secret(key)).decode() if with_secret else None,
        "algorithm": key.algorithm,
        "hasPrivateKey": False,
        "id": key.id,
        "insertInstant": key.insert_instant,
        "kid": key.kid,
        "lastUpdateInstant": key.last_update_instant,
        "name": key.name,
        "type": "HMAC",
    }


def get(session: Session, key_id: str) -> Key:
    return get_or_not_found(session, Key, key_id)


def list_all(session: Session) -> list[Key]:
    return list(session.scalars(select(Key).order_by(Key.name)))


def hmac_secret(key: Key) -> bytes:
    return base64.b64decode(key.secret)


def generate(
    session: Session,
    payload: dict[str, Any],
    key_id: str | None = None,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Key:
    body = request_object(payload, "key")
    errors = Errors()
    name = check_type(errors, body, "name", "key.name", str)
    algorithm = check_type(errors, body, "algorithm", "key.algorithm", str)
    if "key.name" not in errors.field_errors:
        if not name or not name.strip():
            errors.field("key.name", "blank", "You must specify the [key.name] field.")
        elif session.scalar(select(Key).where(Key.name == name.strip())) is not None:
            errors.field("key.name", "duplicate", f"A key with name [{name}] already exists.")
    if "key.algorithm" not in errors.field_errors:
        if algorithm is None:
            errors.field("key.algorithm", "blank", "You must specify the [key.algorithm] field.")
        elif algorithm not in HMAC_ALGORITHMS:
            supported = ", ".join(HMAC_ALGORITHMS)
            errors.field(
                "key.algorithm",
                "invalid",
                f"[{algorithm}] is not supported; idstream generates {supported} keys.",
            )
    errors.raise_if_any()
    assert name is not None and algorithm is not None
    key_id = key_id or new_id()
    if session.get(Key, key_id) is not None:
        raise field_error("keyId", "duplicate", f"A key with Id [{key_id}] already exists.")
    key = _new_key(session, key_id, name.strip(), algorithm)
    after = to_json(key)
    audit.audit_change(session, caller, messages.key_generated(after), info=info)
    return key


def delete(
    session: Session,
    key: Key,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    for tenant in session.scalars(select(Tenant)):
        if (tenant.doc.get("jwtConfiguration") or {}).get("accessTokenKeyId") == key.id:
            raise general_error(
                "KeyInUse", f"The key is the signing key of tenant [{tenant.name}]."
            )
    for webhook in session.scalars(select(Webhook)):
        if (webhook.doc.get("signatureConfiguration") or {}).get("signingKeyId") == key.id:
            # Its deliveries would fail unsigned until they gave up; refuse instead.
            raise general_error(
                "KeyInUse", f"The key signs the requests of webhook [{webhook.url}]."
            )
    before = to_json(key)
    session.delete(key)
    session.flush()
    audit.audit_change(session, caller, messages.key_deleted(before), info=info)


def tenant_signing_key(session: Session, tenant: Tenant) -> Key:
    """The tenant's access token key; an HS256 key is made on first use and remembered in
    tenant.jwtConfiguration.accessTokenKeyId."""
    key = _configured_key(session, tenant)
    if key is not None:
        return key
    # Lock the tenant so that two first logins do not each make a key.
    session.refresh(tenant, with_for_update=True)
    key = _configured_key(session, tenant)
    if key is not None:
        return key
    key = _new_key(session, new_id(), f"Access token key for tenant [{tenant.id}]", "HS256")
    doc = copy.deepcopy(tenant.doc)
    doc.setdefault("jwtConfiguration", {})["accessTokenKeyId"] = key.id
    tenant.doc = doc
    session.flush()
    return key


def _configured_key(session: Session, tenant: Tenant) -> Key | None:
    key_id = (tenant.doc.get("jwtConfiguration") or {}).get("accessTokenKeyId")
    return session.get(Key, key_id) if key_id else None


def _new_key(session: Session, key_id: str, name: str, algorithm: str) -> Key:
    now = clock.now_ms()
    key = Key(
        id=key_id,
        name=name,
        algorithm=algorithm,
        kid=secrets.token_hex(16),
        secret=base64.b64encode(secrets.token_bytes(HMAC_ALGORITHMS[algorithm])).decode(),
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(key)
    session.flush()
    return key
