"""Registrations: a user's membership of an application, with roles that must exist on the
application. Each change records user.registration.* (and .complete) with the user's JSON."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from idstream import clock
from idstream.applications import service as applications
from idstream.applications.models import Application
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.auth.caller import Caller
from idstream.db import new_id
from idstream.errors import Errors, NotFound
from idstream.events import catalogue
from idstream.events.catalogue import EventType
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.tenants.models import Tenant
from idstream.tenants.service import record_tenant_event
from idstream.users.models import Registration, User
from idstream.users.service import registration_to_json, to_json

FIELDS: dict[str, type] = {
    "data": dict,
    "preferredLanguages": list,
    "roles": list,
    "timezone": str,
    "username": str,
}


def registration_object(payload: dict[str, Any]) -> dict[str, Any]:
    return request_object(payload, "registration")


def find(user: User, application_id: str) -> Registration | None:
    for registration in user.registrations:
        if registration.application_id == application_id:
            return registration
    return None


def get(user: User, application_id: str) -> Registration:
    registration = find(user, application_id)
    if registration is None:
        raise NotFound()
    return registration


def check_application(
    session: Session, errors: Errors, body: dict[str, Any], tenant_id: str
) -> Application | None:
    """registration.applicationId: present, a UUID, an application of the user's tenant."""
    path = "registration.applicationId"
    application_id = check_uuid(errors, body, "applicationId", path)
    if path in errors.field_errors:
        return None
    if application_id is None:
        errors.field(path, "blank", f"You must specify the [{path}] field.")
        return None
    application = applications.find(session, application_id)
    if application is None or application.tenant_id != tenant_id:
        errors.field(path, "invalid", f"No application with Id [{application_id}] exists.")
        return None
    return application


def add(
    session: Session,
    user: User,
    application: Application,
    payload: dict[str, Any],
    errors: Errors,
) -> Registration:
    """Validate and write the registration row (events are recorded by the caller)."""
    body = registration_object(payload)
    if find(user, application.id) is not None:
        errors.field(
            "registration.applicationId",
            "duplicate",
            f"The user is already registered for the application [{application.id}].",
        )
    doc = _fields(errors, body, application)
    if "roles" not in body:
        doc["roles"] = applications.default_roles(application)
    body_id = check_uuid(errors, body, "id", "registration.id")
    skip = check_type(
        errors, payload, "skipRegistrationVerification", "skipRegistrationVerification", bool
    )
    errors.raise_if_any()
    now = clock.now_ms()
    verified = bool(skip) or not application.doc.get("verifyRegistration", False)
    doc.update(verified=verified, verifiedInstant=now if verified else None)
    registration = Registration(
        id=body_id or new_id(),
        user_id=user.id,
        application_id=application.id,
        doc={k: v for k, v in doc.items() if v is not None},
        insert_instant=now,
        last_update_instant=now,
    )
    user.registrations.append(registration)
    session.flush()
    return registration


def record_created(
    session: Session,
    tenant: Tenant,
    user: User,
    registration: Registration,
    *,
    caller: Caller | None,
    info: dict[str, Any] | None,
) -> None:
    reg_json = registration_to_json(registration)
    audit.audit_change(session, caller, messages.registration_created(reg_json, user.id), info=info)
    _record(session, tenant, user, catalogue.USER_REGISTRATION_CREATE, reg_json, info=info)
    _record(session, tenant, user, catalogue.USER_REGISTRATION_CREATE_COMPLETE, reg_json, info=info)


def register(
    session: Session,
    tenant: Tenant,
    user: User,
    payload: dict[str, Any],
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Registration:
    """Register an existing user."""
    errors = Errors()
    application = check_application(session, errors, registration_object(payload), tenant.id)
    errors.raise_if_any()
    assert application is not None
    registration = add(session, user, application, payload, errors)
    record_created(session, tenant, user, registration, caller=caller, info=info)
    return registration


def update(
    session: Session,
    tenant: Tenant,
    user: User,
    registration: Registration,
    payload: dict[str, Any],
    *,
    patch: bool,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> Registration:
    body = registration_object(payload)
    application = applications.get(session, registration.application_id)
    original = registration_to_json(registration)
    editable = {k: v for k, v in original.items() if k in FIELDS}
    merged = merge_patch(editable, body) if patch else body
    errors = Errors()
    given = check_uuid(errors, body, "applicationId", "registration.applicationId")
    if given and given != registration.application_id:
        errors.field(
            "registration.applicationId",
            "invalid",
            "The [registration.applicationId] cannot be changed; delete and register again.",
        )
    doc = _fields(errors, merged, application)
    errors.raise_if_any()
    for key in ("verified", "verifiedInstant", "lastLoginInstant"):
        if registration.doc.get(key) is not None:
            doc[key] = registration.doc[key]
    registration.doc = {k: v for k, v in doc.items() if v is not None}
    registration.last_update_instant = clock.now_ms()
    session.flush()
    after = registration_to_json(registration)
    audit.audit_change(
        session,
        caller,
        messages.registration_updated(after, user.id),
        old_value=original,
        new_value=after,
        tenant_id=tenant.id,
        info=info,
    )
    for event_type in (
        catalogue.USER_REGISTRATION_UPDATE,
        catalogue.USER_REGISTRATION_UPDATE_COMPLETE,
    ):
        _record(session, tenant, user, event_type, after, original=original, info=info)
    return registration


def delete(
    session: Session,
    tenant: Tenant,
    user: User,
    registration: Registration,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    reg_json = registration_to_json(registration)
    user.registrations.remove(registration)
    session.flush()
    audit.audit_change(
        session,
        caller,
        messages.registration_deleted(user.id, reg_json["applicationId"]),
        info=info,
    )
    for event_type in (
        catalogue.USER_REGISTRATION_DELETE,
        catalogue.USER_REGISTRATION_DELETE_COMPLETE,
    ):
        _record(session, tenant, user, event_type, reg_json, info=info)


def _record(
    session: Session,
    tenant: Tenant,
    user: User,
    event_type: EventType,
    registration: dict[str, Any],
    *,
    original: dict[str, Any] | None = None,
    info: dict[str, Any] | None,
) -> None:
    subject = {
        "applicationId": registration["applicationId"],
        "original": original,
        "registration": registration,
        "user": to_json(user),
    }
    record_tenant_event(session, tenant, event_type, subject, user_id=user.id, info=info)


def _fields(errors: Errors, body: dict[str, Any], application: Application) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, kind in FIELDS.items():
        value = check_type(errors, body, key, f"registration.{key}", kind)
        if value is not None:
            doc[key] = copy.deepcopy(value)
    roles = doc.get("roles")
    if roles is not None:
        if not all(isinstance(r, str) for r in roles):
            errors.field(
                "registration.roles", "invalid", "The [registration.roles] must be strings."
            )
        else:
            unknown = sorted(set(roles) - applications.role_names(application))
            if unknown:
                errors.field(
                    "registration.roles",
                    "invalid",
                    f"The role(s) {unknown} do not exist on the application [{application.id}].",
                )
            doc["roles"] = sorted(set(roles))
    return doc
