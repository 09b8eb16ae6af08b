"""Users: create, read, update, deactivate, delete, verify; every change records FusionAuth's
events (and an audit entry when audited) in the caller's transaction.

`to_json(user)` is the one public form of a user: responses, event payloads and audit
values all use it, and it never carries the password hash."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from idstream import clock
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.auth import passwords
from idstream.auth.caller import Caller
from idstream.db import get_or_not_found, new_id
from idstream.email import service as email_service
from idstream.errors import Errors, field_error
from idstream.events import catalogue
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.tenants.models import Tenant
from idstream.tenants.service import record_tenant_event
from idstream.users import lookup
from idstream.users import profile as profiles
from idstream.users.models import Registration, User

# FusionAuth's built-in connector: every locally stored user names it.
DEFAULT_CONNECTOR_ID = "e3306678-a53a-4964-9040-1c96f36dda72"
# Kept by the server, never taken from a request.
SERVER_FIELDS = ("lastLoginInstant", "passwordLastUpdateInstant", "verified", "verifiedInstant")


def registration_to_json(registration: Registration) -> dict[str, Any]:
    doc = registration.doc
    return {
        **copy.deepcopy(doc),
        "applicationId": registration.application_id,
        "id": registration.id,
        "insertInstant": registration.insert_instant,
        "lastUpdateInstant": registration.last_update_instant,
        "roles": sorted(doc.get("roles") or []),
        "usernameStatus": "ACTIVE",
        "verified": bool(doc.get("verified", True)),
    }


def to_json(user: User) -> dict[str, Any]:
    doc = user.doc
    body: dict[str, Any] = {k: copy.deepcopy(doc[k]) for k in profiles.PROFILE_FIELDS if k in doc}
    body.update(
        active=user.active,
        connectorId=DEFAULT_CONNECTOR_ID,
        id=user.id,
        insertInstant=user.insert_instant,
        lastLoginInstant=doc.get("lastLoginInstant"),
        lastUpdateInstant=user.last_update_instant,
        passwordChangeRequired=bool(doc.get("passwordChangeRequired", False)),
        passwordLastUpdateInstant=doc.get("passwordLastUpdateInstant"),
        tenantId=user.tenant_id,
        twoFactor=copy.deepcopy(doc.get("twoFactor") or {}),
        usernameStatus="ACTIVE",
        verified=bool(doc.get("verified", False)),
    )
    if user.registrations:
        body["registrations"] = [registration_to_json(r) for r in user.registrations]
    return body


def get(session: Session, user_id: str) -> User:
    return get_or_not_found(session, User, user_id)


def user_object(payload: dict[str, Any]) -> dict[str, Any]:
    return request_object(payload, "user")


def request_flags(errors: Errors, payload: dict[str, Any]) -> dict[str, Any]:
    """The UserRequest's own fields besides `user`."""
    return {
        "sendSetPasswordEmail": check_type(
            errors, payload, "sendSetPasswordEmail", "sendSetPasswordEmail", bool
        ),
        "skipVerification": bool(
            check_type(errors, payload, "skipVerification", "skipVerification", bool)
        ),
        "applicationId": check_uuid(errors, payload, "applicationId", "applicationId"),
    }


def create(
    session: Session,
    tenant: Tenant,
    payload: dict[str, Any],
    user_id: str | None = None,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> User:
    """POST /api/user: validate, store, record user.create(+complete), queue the setup
    e-mail when the user has no password yet, audit."""
    user = new_user(session, tenant, payload, user_id)
    finish_create(session, tenant, user, payload, caller=caller, info=info)
    return user


def new_user(
    session: Session, tenant: Tenant, payload: dict[str, Any], user_id: str | None = None
) -> User:
    """Validate and write the user row; no events yet (full registration adds its own)."""
    body = user_object(payload)
    errors = Errors()
    flags = request_flags(errors, payload)
    body_id = check_uuid(errors, body, "id", "user.id")
    user_id = user_id or body_id or new_id()
    profile = profiles.parse(errors, body)
    password = check_type(errors, body, "password", "user.password", str)
    if password is not None:
        passwords.check_rules(errors, password, _rules(tenant), "user.password")
    elif flags["sendSetPasswordEmail"] is False:
        errors.field(
            "user.password",
            "blank",
            "You must specify the [user.password] field unless [sendSetPasswordEmail] is true.",
        )
    profiles.check_login_ids(session, errors, tenant.id, profile, user_id=None)
    errors.raise_if_any()
    if session.get(User, user_id) is not None:
        raise field_error("userId", "duplicate", f"A user with Id [{user_id}] already exists.")
    now = clock.now_ms()
    verified = flags["skipVerification"] or not _verification_required(tenant)
    doc = {
        **profile,
        # FusionAuth counts creation as the first login.
        "lastLoginInstant": now,
        "passwordLastUpdateInstant": now,
        "verified": verified,
        "verifiedInstant": now if verified else None,
    }
    user = User(
        id=user_id,
        tenant_id=tenant.id,
        active=True,
        password_hash=(
            passwords.hash_password(password, passwords.tenant_factor(tenant.doc))
            if password is not None
            else passwords.unusable_hash()
        ),
        doc=profiles.clean(doc),
        insert_instant=now,
        last_update_instant=now,
    )
    profiles.index(user)
    session.add(user)
    session.flush()
    return user


def finish_create(
    session: Session,
    tenant: Tenant,
    user: User,
    payload: dict[str, Any],
    *,
    caller: Caller | None,
    info: dict[str, Any] | None,
) -> None:
    body = user_object(payload)
    user_json = to_json(user)
    # Audit entry first: the brief's stream shows audit-log.create before user.create.
    audit.audit_change(
        session,
        caller,
        messages.user_created(user_json),
        info=info,
    )
    for event_type in (catalogue.USER_CREATE, catalogue.USER_CREATE_COMPLETE):
        record_tenant_event(
            session, tenant, event_type, {"user": user_json}, user_id=user.id, info=info
        )
    if payload.get("sendSetPasswordEmail") is True or body.get("password") is None:
        email_service.queue_setup_password_email(session, tenant, user_json)


def update(
    session: Session,
    tenant: Tenant,
    user: User,
    payload: dict[str, Any],
    *,
    patch: bool,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> User:
    """PUT replaces the profile, PATCH merges into it; a password is changed only when one
    is given. Records user.update(+complete) with `original`, and user.password.update."""
    body = user_object(payload)
    errors = Errors()
    request_flags(errors, payload)
    original = to_json(user)
    merged = merge_patch(_profile_only(original), body) if patch else body
    profile = profiles.parse(errors, merged)
    password = check_type(errors, body, "password", "user.password", str)
    if password is not None:
        passwords.check_rules(errors, password, _rules(tenant), "user.password")
    profiles.check_login_ids(session, errors, tenant.id, profile, user_id=user.id)
    errors.raise_if_any()
    now = clock.now_ms()
    doc = {**profile, **{k: user.doc.get(k) for k in SERVER_FIELDS}}
    if password is not None:
        user.password_hash = passwords.hash_password(password, passwords.tenant_factor(tenant.doc))
        doc["passwordLastUpdateInstant"] = now
    user.doc = profiles.clean(doc)
    user.last_update_instant = now
    profiles.index(user)
    session.flush()
    after = to_json(user)
    subject = {"original": original, "user": after}
    audit.audit_change(
        session,
        caller,
        messages.user_updated(after),
        old_value=original,
        new_value=after,
        tenant_id=tenant.id,
        info=info,
    )
    for event_type in (catalogue.USER_UPDATE, catalogue.USER_UPDATE_COMPLETE):
        record_tenant_event(session, tenant, event_type, subject, user_id=user.id, info=info)
    if password is not None:
        record_tenant_event(
            session,
            tenant,
            catalogue.USER_PASSWORD_UPDATE,
            {"user": after},
            user_id=user.id,
            info=info,
        )
    return user


def set_active(
    session: Session,
    tenant: Tenant,
    user: User,
    active: bool,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> User:
    """Soft delete (deactivate) or reactivate; records user.deactivate / user.reactivate."""
    original = to_json(user)
    user.active = active
    user.last_update_instant = clock.now_ms()
    session.flush()
    after = to_json(user)
    event_type = catalogue.USER_REACTIVATE if active else catalogue.USER_DEACTIVATE
    message = messages.user_reactivated(after) if active else messages.user_deactivated(after)
    audit.audit_change(
        session,
        caller,
        message,
        old_value=original,
        new_value=after,
        tenant_id=tenant.id,
        info=info,
    )
    record_tenant_event(session, tenant, event_type, {"user": after}, user_id=user.id, info=info)
    return user


def delete(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    """Hard delete: the user and its registrations; records user.delete(+complete)."""
    user_json = to_json(user)
    session.delete(user)
    session.flush()
    audit.audit_change(
        session,
        caller,
        messages.user_deleted(user_json),
        info=info,
    )
    for event_type in (catalogue.USER_DELETE, catalogue.USER_DELETE_COMPLETE):
        record_tenant_event(
            session, tenant, event_type, {"user": user_json}, user_id=user_json["id"], info=info
        )


def verify_email(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    caller: Caller | None = None,
    info: dict[str, Any] | None = None,
) -> User:
    """Mark the user's email verified; records user.email.verified."""
    now = clock.now_ms()
    user.doc = {**user.doc, "verified": True, "verifiedInstant": now}
    user.last_update_instant = now
    session.flush()
    after = to_json(user)
    audit.audit_change(session, caller, messages.email_verified(after), info=info)
    record_tenant_event(
        session, tenant, catalogue.USER_EMAIL_VERIFIED, {"user": after}, user_id=user.id, info=info
    )
    return user


def record_login(session: Session, user: User, application_id: str | None) -> None:
    """Stamp lastLoginInstant on the user and on the application's registration."""
    now = clock.now_ms()
    user.doc = {**user.doc, "lastLoginInstant": now}
    for registration in user.registrations:
        if registration.application_id == application_id:
            registration.doc = {**registration.doc, "lastLoginInstant": now}
    session.flush()


def check_password(user: User, password: str) -> bool:
    return passwords.verify_password(password, user.password_hash)


# Lookups live in users.lookup; re-exported so callers need one module.
find_by_email = lookup.find_by_email
find_by_username = lookup.find_by_username
find_by_login_id = lookup.find_by_login_id


def _rules(tenant: Tenant) -> dict[str, Any]:
    rules = tenant.doc.get("passwordValidationRules")
    return rules if isinstance(rules, dict) else {}


def _verification_required(tenant: Tenant) -> bool:
    email = tenant.doc.get("emailConfiguration") or {}
    return bool(email.get("verifyEmail", False))


def _profile_only(user_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user_json.items() if k in profiles.PROFILE_FIELDS}
