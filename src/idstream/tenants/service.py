"""Tenants: create, read, update, delete, and the per-tenant event configuration that decides
which tenant events are recorded."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.db import get_or_not_found, new_id
from idstream.errors import Errors, field_error
from idstream.events import catalogue, store
from idstream.events.catalogue import EventType
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.tenants.models import Tenant

DEFAULT_TENANT_NAME = "Default"
EMAIL_SECURITY = ("NONE", "SSL", "TLS")
# Fields of a tenant that are secrets: stored, never returned.
SECRET_PATHS = (("emailConfiguration", "password"),)


def default_event_configuration() -> dict[str, Any]:
    """FusionAuth's default: every tenant event listed, disabled, not transactional."""
    return {
        "events": {
            t.name: {"enabled": False, "transactionType": "None"} for t in catalogue.TENANT_EVENTS
        }
    }


def default_tenant_doc(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "eventConfiguration": default_event_configuration(),
        "emailConfiguration": {
            "host": "localhost",
            "port": 25,
            "security": "NONE",
            "defaultFromEmail": "change-me@example.com",
            "defaultFromName": "idstream",
        },
        "passwordEncryptionConfiguration": {
            "encryptionScheme": "salted-pbkdf2-hmac-sha256",
            "encryptionSchemeFactor": 24000,
            "modifyEncryptionSchemeOnLogin": False,
        },
        "passwordValidationRules": {"minLength": 8, "maxLength": 256},
        "jwtConfiguration": {
            "enabled": True,
            "timeToLiveInSeconds": 3600,
            "refreshTokenTimeToLiveInMinutes": 43200,
        },
        "state": "Active",
        "data": {},
    }


def to_json(tenant: Tenant) -> dict[str, Any]:
    doc = copy.deepcopy(tenant.doc)
    for path in SECRET_PATHS:
        section = doc.get(path[0])
        if isinstance(section, dict):
            section.pop(path[1], None)
    doc.update(
        id=tenant.id,
        name=tenant.name,
        insertInstant=tenant.insert_instant,
        lastUpdateInstant=tenant.last_update_instant,
    )
    return doc


def get(session: Session, tenant_id: str) -> Tenant:
    return get_or_not_found(session, Tenant, tenant_id)


def find(session: Session, tenant_id: str | None) -> Tenant | None:
    return session.get(Tenant, tenant_id) if tenant_id else None


def list_all(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.name)))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Tenant)) or 0)


def default_tenant(session: Session) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.name == DEFAULT_TENANT_NAME))


def create(session: Session, payload: dict[str, Any], tenant_id: str | None = None) -> Tenant:
    doc = merge_patch(default_tenant_doc(""), request_object(payload, "tenant"))
    doc = _validated(session, doc, tenant_id=None)
    now = clock.now_ms()
    tenant_id = tenant_id or doc.get("id") or new_id()
    if session.get(Tenant, tenant_id) is not None:
        raise field_error(
            "tenantId", "duplicate", f"A tenant with Id [{tenant_id}] already exists."
        )
    tenant = Tenant(
        id=tenant_id,
        name=doc["name"],
        doc=_stored(doc),
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(tenant)
    session.flush()
    return tenant


def update(session: Session, tenant: Tenant, payload: dict[str, Any], *, patch: bool) -> Tenant:
    incoming = request_object(payload, "tenant")
    current = to_json(tenant)
    if patch:
        doc = merge_patch(current, incoming)
    else:
        # PUT replaces the object; omitted sections fall back to defaults, as in FusionAuth.
        doc = merge_patch(default_tenant_doc(tenant.name), incoming)
    _keep_secrets(doc, tenant.doc)
    doc = _validated(session, doc, tenant_id=tenant.id)
    tenant.name = doc["name"]
    tenant.doc = _stored(doc)
    tenant.last_update_instant = clock.now_ms()
    session.flush()
    return tenant


def delete(session: Session, tenant: Tenant) -> None:
    session.delete(tenant)
    session.flush()


def event_setting(tenant: Tenant, event_type: EventType) -> dict[str, Any]:
    events = (tenant.doc.get("eventConfiguration") or {}).get("events") or {}
    setting = events.get(event_type.name) or {}
    return {
        "enabled": bool(setting.get("enabled", False)),
        "transactionType": setting.get("transactionType") or "None",
    }


def is_event_enabled(tenant: Tenant, event_type: EventType) -> bool:
    return event_setting(tenant, event_type)["enabled"]


def transaction_type(tenant: Tenant, event_type: EventType) -> str:
    """The tenant's transaction type for a type; events FusionAuth marks non-transactional
    are always None."""
    if not event_type.transactional:
        return "None"
    return str(event_setting(tenant, event_type)["transactionType"])


def record_tenant_event(
    session: Session,
    tenant: Tenant,
    event_type: EventType,
    subject: dict[str, Any],
    *,
    user_id: str | None = None,
    info: dict[str, Any] | None = None,
) -> store.PendingEvent | None:
    """Record a tenant event, unless the tenant's event configuration leaves it disabled."""
    if not is_event_enabled(tenant, event_type):
        return None
    return store.record(
        session, event_type, subject, tenant_id=tenant.id, user_id=user_id, info=info
    )


def _stored(doc: dict[str, Any]) -> dict[str, Any]:
    stored = copy.deepcopy(doc)
    for key in ("id", "insertInstant", "lastUpdateInstant"):
        stored.pop(key, None)
    return stored


def _keep_secrets(doc: dict[str, Any], stored: dict[str, Any]) -> None:
    """A secret left out of an update keeps its stored value (responses never carry it)."""
    for section, key in SECRET_PATHS:
        old = (stored.get(section) or {}).get(key)
        new_section = doc.get(section)
        if old is not None and isinstance(new_section, dict) and key not in new_section:
            new_section[key] = old


def _validated(session: Session, doc: dict[str, Any], tenant_id: str | None) -> dict[str, Any]:
    errors = Errors()
    name = check_type(errors, doc, "name", "tenant.name", str)
    if not name or not name.strip():
        if "tenant.name" not in errors.field_errors:
            errors.field("tenant.name", "blank", "You must specify the [tenant.name] field.")
    else:
        clash = session.scalar(select(Tenant).where(Tenant.name == name.strip()))
        if clash is not None and clash.id != tenant_id:
            errors.field("tenant.name", "duplicate", f"A tenant with name [{name}] already exists.")
        doc["name"] = name.strip()
    check_uuid(errors, doc, "id", "tenant.id")
    _validate_event_configuration(errors, doc)
    _validate_email_configuration(errors, doc)
    _validate_password_configuration(errors, doc)
    errors.raise_if_any()
    return doc


def _validate_event_configuration(errors: Errors, doc: dict[str, Any]) -> None:
    config = check_type(errors, doc, "eventConfiguration", "tenant.eventConfiguration", dict)
    if not config:
        doc["eventConfiguration"] = default_event_configuration()
        return
    events = check_type(errors, config, "events", "tenant.eventConfiguration.events", dict) or {}
    merged = default_event_configuration()["events"]
    for name, setting in events.items():
        path = f"tenant.eventConfiguration.events[{name}]"
        event_type = catalogue.lookup(name)
        if event_type is None or not event_type.is_tenant_event:
            errors.field(path, "invalid", f"[{name}] is not a tenant event type.")
            continue
        if not isinstance(setting, dict):
            errors.field(path, "invalid", f"The [{path}] field must be an object.")
            continue
        enabled = check_type(errors, setting, "enabled", f"{path}.enabled", bool)
        kind = check_type(errors, setting, "transactionType", f"{path}.transactionType", str)
        if kind is not None and kind not in catalogue.TRANSACTION_TYPES:
            allowed = ", ".join(catalogue.TRANSACTION_TYPES)
            errors.field(
                f"{path}.transactionType",
                "invalid",
                f"[{kind}] is not a transaction type; use one of {allowed}.",
            )
            kind = None
        merged[name] = {"enabled": bool(enabled), "transactionType": kind or "None"}
    config["events"] = merged


def _validate_email_configuration(errors: Errors, doc: dict[str, Any]) -> None:
    email = check_type(errors, doc, "emailConfiguration", "tenant.emailConfiguration", dict)
    if not email:
        return
    prefix = "tenant.emailConfiguration"
    check_type(errors, email, "host", f"{prefix}.host", str)
    port = check_type(errors, email, "port", f"{prefix}.port", int)
    if port is not None and not 0 < port < 65536:
        errors.field(
            f"{prefix}.port", "invalid", f"The [{prefix}.port] must be between 1 and 65535."
        )
    security = check_type(errors, email, "security", f"{prefix}.security", str)
    if security is not None and security not in EMAIL_SECURITY:
        errors.field(
            f"{prefix}.security",
            "invalid",
            f"[{security}] is not a security mode; use one of {', '.join(EMAIL_SECURITY)}.",
        )
    for key in ("username", "password", "defaultFromEmail", "defaultFromName"):
        check_type(errors, email, key, f"{prefix}.{key}", str)


def _validate_password_configuration(errors: Errors, doc: dict[str, Any]) -> None:
    config = check_type(
        errors,
        doc,
        "passwordEncryptionConfiguration",
        "tenant.passwordEncryptionConfiguration",
        dict,
    )
    if not config:
        return
    path = "tenant.passwordEncryptionConfiguration.encryptionSchemeFactor"
    factor = check_type(errors, config, "encryptionSchemeFactor", path, int)
    if factor is not None and factor < 1:
        errors.field(path, "invalid", f"The [{path}] must be a positive number.")
