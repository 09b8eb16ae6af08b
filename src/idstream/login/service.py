"""Password login, FusionAuth's way: 200 with the user and a JWT signed with the tenant's key,
202 when the user is not registered to the application, 404 for an unknown user or a wrong
password, 423 for a locked (inactive) user, 410 for an expired one. Failed and successful
logins record user.login.failed / user.login.success in the same transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy.orm import Session

from idstream import clock
from idstream.applications.models import Application
from idstream.events import catalogue
from idstream.keys import service as keys
from idstream.tenants.models import Tenant
from idstream.tenants.service import record_tenant_event
from idstream.users import registrations
from idstream.users import service as users
from idstream.users.models import User
from idstream.users.service import DEFAULT_CONNECTOR_ID

AUTHENTICATION_TYPE = "PASSWORD"
DEFAULT_TTL_SECONDS = 3600


@dataclass
class LoginResult:
    status: int
    body: dict[str, Any] | None = None


def login(
    session: Session,
    tenant: Tenant,
    application: Application | None,
    login_id: str,
    password: str,
    *,
    no_jwt: bool = False,
    ip_address: str | None = None,
    info: dict[str, Any] | None = None,
) -> LoginResult:
    # FusionAuth records no event for an unknown login id: there is no user to name.
    user = users.find_by_login_id(session, tenant.id, login_id)
    if user is None:
        return LoginResult(404)
    registration = registrations.find(user, application.id) if application else None
    registered_app = application.id if registration is not None and application else None
    if not users.check_password(user, password):
        _failed(session, tenant, user, registered_app, ip_address, info, reason="credentials")
        return LoginResult(404)
    if not user.active:
        _failed(session, tenant, user, registered_app, ip_address, info, reason=None)
        return LoginResult(423)
    expiry = user.doc.get("expiry")
    if isinstance(expiry, int) and expiry <= clock.now_ms():
        _failed(session, tenant, user, registered_app, ip_address, info, reason=None)
        return LoginResult(410)
    users.record_login(session, user, registered_app)
    user_json = users.to_json(user)
    body: dict[str, Any] = {"user": user_json}
    if not no_jwt:
        token, expires = issue_token(session, tenant, user, application, registration is not None)
        body.update(token=token, tokenExpirationInstant=expires)
    record_tenant_event(
        session,
        tenant,
        catalogue.USER_LOGIN_SUCCESS,
        {
            "applicationId": application.id if application else None,
            "authenticationType": AUTHENTICATION_TYPE,
            "connectorId": DEFAULT_CONNECTOR_ID,
            "ipAddress": ip_address,
            "user": user_json,
        },
        user_id=user.id,
        info=info,
    )
    status = 202 if application is not None and registration is None else 200
    return LoginResult(status, body)


def issue_token(
    session: Session,
    tenant: Tenant,
    user: User,
    application: Application | None,
    registered: bool,
) -> tuple[str, int]:
    """An access token signed with the tenant's key; `kid` names the key for verifiers."""
    key = keys.tenant_signing_key(session, tenant)
    now = clock.now_ms()
    config = tenant.doc.get("jwtConfiguration") or {}
    ttl = config.get("timeToLiveInSeconds")
    ttl = ttl if isinstance(ttl, int) and ttl > 0 else DEFAULT_TTL_SECONDS
    expires = now + ttl * 1000
    doc = user.doc
    claims: dict[str, Any] = {
        "aud": application.id if application else None,
        "exp": expires // 1000,
        "iat": now // 1000,
        "auth_time": now // 1000,
        "iss": tenant.doc.get("issuer") or "idstream",
        "sub": user.id,
        "jti": secrets.token_urlsafe(16),
        "authenticationType": AUTHENTICATION_TYPE,
        "email": doc.get("email"),
        "email_verified": bool(doc.get("verified", False)),
        "preferred_username": doc.get("username"),
        "applicationId": application.id if application else None,
        "tid": tenant.id,
    }
    if application is not None and registered:
        registration = registrations.find(user, application.id)
        claims["roles"] = sorted((registration.doc.get("roles") if registration else None) or [])
    claims = {k: v for k, v in claims.items() if v is not None}
    token = jwt.encode(
        claims, keys.hmac_secret(key), algorithm=key.algorithm, headers={"kid": key.kid}
    )
    return token, expires


def _failed(
    session: Session,
    tenant: Tenant,
    user: User,
    application_id: str | None,
    ip_address: str | None,
    info: dict[str, Any] | None,
    *,
    reason: str | None,
) -> None:
    record_tenant_event(
        session,
        tenant,
        catalogue.USER_LOGIN_FAILED,
        {
            "applicationId": application_id,
            "authenticationType": AUTHENTICATION_TYPE,
            "ipAddress": ip_address,
            "reason": {"code": reason} if reason else None,
            "user": users.to_json(user),
        },
        user_id=user.id,
        info=info,
    )
