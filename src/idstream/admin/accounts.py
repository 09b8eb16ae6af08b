"""Who may use the admin UI: active users registered to the built-in admin application with
the `admin` role. Sign-in and the first-run setup go through the login, users and
registrations services, so they record the same events as the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream.applications import service as applications
from idstream.auth.caller import Caller
from idstream.login import service as login
from idstream.system import bootstrap
from idstream.system.bootstrap import ADMIN_APPLICATION_ID
from idstream.system.models import Setting
from idstream.tenants import service as tenants
from idstream.users import registrations
from idstream.users import service as users
from idstream.users.models import Registration, User

ADMIN_ROLE = "admin"


def _is_admin_registration(registration: Registration) -> bool:
    roles = registration.doc.get("roles") or []
    return ADMIN_ROLE in roles and registration.doc.get("active", True) is not False


def admin_exists(session: Session) -> bool:
    """True once any user holds the admin role on the admin application. A deactivated admin
    still counts: deactivating the last one must not reopen setup to anyone passing by."""
    registrations_of_admin_app = session.scalars(
        select(Registration).where(Registration.application_id == ADMIN_APPLICATION_ID)
    )
    return any(ADMIN_ROLE in (reg.doc.get("roles") or []) for reg in registrations_of_admin_app)


def is_admin(user: User) -> bool:
    if not user.active:
        return False
    return any(
        reg.application_id == ADMIN_APPLICATION_ID and _is_admin_registration(reg)
        for reg in user.registrations
    )


def active_admin_email(session: Session, user_id: str) -> str | None:
    """The admin's e-mail (their name in the audit log) while they may still sign in: a
    deactivated or demoted admin's session ends at their next request."""
    user = session.get(User, user_id)
    if user is None or not is_admin(user):
        return None
    return str(user.doc.get("email") or user.email or user.username or user.id)


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    email: str


def create_first_admin(
    session: Session, values: dict[str, str], password: str, info: dict[str, Any]
) -> SignedIn | None:
    """The first-run setup: a user in the admin application's tenant, registered to it with
    the admin role. None when an admin already exists (setup is gone)."""
    # Lock the instance row: two setups racing on PostgreSQL create one admin, not two.
    session.get(Setting, bootstrap.INSTANCE, with_for_update=True)
    if admin_exists(session):
        return None
    application = applications.get(session, ADMIN_APPLICATION_ID)
    tenant = tenants.get(session, application.tenant_id)
    profile = {k: v for k, v in values.items() if v}
    caller = Caller(
        key_id=None,
        tenant_id=None,
        key_manager=True,
        name=values.get("email") or "setup",
        via_admin_ui=True,
    )
    user = users.create(
        session,
        tenant,
        {"user": {**profile, "password": password}, "skipVerification": True},
        caller=caller,
        info=info,
    )
    registrations.register(
        session,
        tenant,
        user,
        {"registration": {"applicationId": ADMIN_APPLICATION_ID, "roles": [ADMIN_ROLE]}},
        caller=caller,
        info=info,
    )
    return SignedIn(user.id, str(user.doc.get("email") or user.id))


def sign_in(session: Session, email: str, password: str, info: dict[str, Any]) -> SignedIn | None:
    """The login service's password check against the admin application (it records
    user.login.success / user.login.failed); then only admins may in."""
    application = applications.get(session, ADMIN_APPLICATION_ID)
    tenant = tenants.get(session, application.tenant_id)
    result = login.login(
        session,
        tenant,
        application,
        email,
        password,
        no_jwt=True,
        ip_address=info.get("ipAddress"),
        info=info,
    )
    if result.status != 200 or result.body is None:
        return None
    user = users.get(session, result.body["user"]["id"])
    if not is_admin(user):
        return None
    return SignedIn(user.id, str(user.doc.get("email") or user.id))
