"""Applications: FusionAuth's Application with its roles, stored as a document. A delete
deactivates unless it is a hard delete, as in FusionAuth."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.applications.models import Application
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.auth.caller import Caller
from idstream.db import get_or_not_found, new_id
from idstream.errors import Errors, field_error, general_error
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.system.bootstrap import ADMIN_APPLICATION_ID

SERVER_FIELDS = ("id", "tenantId", "insertInstant", "lastUpdateInstant", "state")


def to_json(application: Application) -> dict[str, Any]:
    doc = copy.deepcopy(application.doc)
    active = bool(doc.get("active", True))
    doc.update(
        active=active,
        id=application.id,
        insertInstant=application.insert_instant,
        lastUpdateInstant=application.last_update_instant,
        name=application.name,
        roles=sorted(doc.get("roles") or [], key=lambda r: str(r.get("name"))),
        state="Active" if active else "Inactive",
        tenantId=application.tenant_id,
    )
    return doc


def get(session: Session, application_id: str) -> Application:
    return get_or_not_found(session, Application, application_id)


def find(session: Session, application_id: str | None) -> Application | None:
    return session.get(Application, application_id) if application_id else None


def list_all(
    session: Session, tenant_id: str | None = None, *, inactive: bool = False
) -> list[Application]:
    query = select(Application).order_by(Application.name, Application.id)
    if tenant_id:
        query = query.where(Application.tenant_id == tenant_id)
    return [a for a in session.scalars(query) if bool(a.doc.get("active", True)) != inactive]


def role_names(application: Application) -> set[str]:
    return {str(r.get("name")) for r in application.doc.get("roles") or []}


def default_roles(application: Application) -> list[str]:
    return sorted(str(r["name"]) for r in application.doc.get("roles") or [] if r.get("isDefault"))


def create(
    session: Session,
    tenant_id: str,
    payload: dict[str, Any],
    application_id: str | None = None,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Application:
    body = request_object(payload, "application")
    errors = Errors()
    body_id = check_uuid(errors, body, "id", "application.id")
    errors.raise_if_any()
    application_id = application_id or body_id or new_id()
    if session.get(Application, application_id) is not None:
        raise field_error(
            "applicationId",
            "duplicate",
            f"An application with Id [{application_id}] already exists.",
        )
    now = clock.now_ms()
    doc = _validated(session, body, tenant_id, application_id, previous_roles=[], now=now)
    application = Application(
        id=application_id,
        tenant_id=tenant_id,
        name=doc.pop("name"),
        doc=doc,
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(application)
    session.flush()
    after = to_json(application)
    audit.audit_change(session, caller, messages.application_created(after), info=info)
    return application


def update(
    session: Session,
    application: Application,
    payload: dict[str, Any],
    *,
    patch: bool,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Application:
    body = request_object(payload, "application")
    original = to_json(application)
    incoming = {k: v for k, v in body.items() if k not in SERVER_FIELDS}
    merged = merge_patch(original, incoming) if patch else incoming
    if "active" not in merged:
        merged["active"] = original["active"]
    now = clock.now_ms()
    doc = _validated(
        session,
        merged,
        application.tenant_id,
        application.id,
        previous_roles=application.doc.get("roles") or [],
        now=now,
    )
    if application.id == ADMIN_APPLICATION_ID and not doc.get("active", True):
        raise general_error("invalid", "The idstream admin application cannot be deactivated.")
    application.name = doc.pop("name")
    application.doc = doc
    application.last_update_instant = now
    session.flush()
    after = to_json(application)
    audit.audit_change(
        session,
        caller,
        messages.application_updated(after),
        old_value=original,
        new_value=after,
        tenant_id=application.tenant_id,
        info=info,
    )
    return application


def set_active(
    session: Session,
    application: Application,
    active: bool,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Application:
    if application.id == ADMIN_APPLICATION_ID and not active:
        raise general_error("invalid", "The idstream admin application cannot be deactivated.")
    original = to_json(application)
    application.doc = {**application.doc, "active": active}
    application.last_update_instant = clock.now_ms()
    session.flush()
    after = to_json(application)
    message = (
        messages.application_reactivated(after)
        if active
        else messages.application_deactivated(after)
    )
    audit.audit_change(
        session,
        caller,
        message,
        old_value=original,
        new_value=after,
        tenant_id=application.tenant_id,
        info=info,
    )
    return application


def delete(
    session: Session,
    application: Application,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    """Hard delete; its registrations go with it (foreign key cascade)."""
    if application.id == ADMIN_APPLICATION_ID:
        raise general_error("invalid", "The idstream admin application cannot be deleted.")
    original = to_json(application)
    session.delete(application)
    session.flush()
    audit.audit_change(session, caller, messages.application_deleted(original), info=info)


def _validated(
    session: Session,
    body: dict[str, Any],
    tenant_id: str,
    application_id: str,
    *,
    previous_roles: list[dict[str, Any]],
    now: int,
) -> dict[str, Any]:
    errors = Errors()
    name = check_type(errors, body, "name", "application.name", str)
    if "application.name" not in errors.field_errors:
        if not name or not name.strip():
            errors.field("application.name", "blank", "You must specify the [application.name].")
        else:
            name = name.strip()
            clash = session.scalar(
                select(Application).where(
                    Application.tenant_id == tenant_id, Application.name == name
                )
            )
            if clash is not None and clash.id != application_id:
                errors.field(
                    "application.name",
                    "duplicate",
                    f"An application with name [{name}] already exists in this tenant.",
                )
    active = check_type(errors, body, "active", "application.active", bool)
    check_type(errors, body, "data", "application.data", dict)
    roles = check_type(errors, body, "roles", "application.roles", list) or []
    clean_roles = _roles(errors, roles, previous_roles, now)
    errors.raise_if_any()
    doc = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
    doc.update(name=name, active=True if active is None else active, roles=clean_roles)
    return doc


def _roles(
    errors: Errors, roles: list[Any], previous: list[dict[str, Any]], now: int
) -> list[dict[str, Any]]:
    """Each role gets an id and instants; a role kept by name keeps its id."""
    known = {str(r.get("name")): r for r in previous}
    seen: set[str] = set()
    clean = []
    for index, role in enumerate(roles):
        path = f"application.roles[{index}]"
        if not isinstance(role, dict):
            errors.field(path, "invalid", f"The [{path}] must be an object.")
            continue
        name = check_type(errors, role, "name", f"{path}.name", str)
        if not name or not name.strip():
            if f"{path}.name" not in errors.field_errors:
                errors.field(f"{path}.name", "blank", f"You must specify the [{path}.name].")
            continue
        name = name.strip()
        if name in seen:
            errors.field(f"{path}.name", "duplicate", f"The role [{name}] is listed twice.")
            continue
        seen.add(name)
        description = check_type(errors, role, "description", f"{path}.description", str)
        flags = {
            key: bool(check_type(errors, role, key, f"{path}.{key}", bool))
            for key in ("isDefault", "isSuperRole")
        }
        before = known.get(name) or {}
        clean.append(
            {
                "description": description,
                "id": before.get("id") or new_id(),
                "insertInstant": before.get("insertInstant") or now,
                "lastUpdateInstant": now,
                "name": name,
                **flags,
            }
        )
    return clean
