"""Who is calling the API, and which tenant a request acts on, decided as FusionAuth does."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.auth import apikeys
from idstream.errors import NotFound, Unauthorized, general_error
from idstream.jsondoc import is_uuid
from idstream.tenants.models import Tenant

TENANT_HEADER = "X-FusionAuth-TenantId"


@dataclass(frozen=True)
class Caller:
    """An authenticated API caller: an API key, or a signed-in admin acting through the UI."""

    key_id: str | None
    tenant_id: str | None  # set for tenant-scoped keys: they see and change only this tenant
    key_manager: bool
    # Recorded as the audit log's insertUser: the key's description, or the admin's email.
    name: str
    requested_tenant_id: str | None = None
    endpoints: dict[str, list[str]] = field(default_factory=dict)
    # A signed-in admin acting through the UI: such changes are always audited.
    via_admin_ui: bool = False

    @property
    def is_tenant_scoped(self) -> bool:
        return self.tenant_id is not None

    def check_tenant(self, tenant_id: str | None) -> None:
        """A tenant-scoped key touching another tenant's object is refused as unauthorized."""
        if self.tenant_id is not None and tenant_id != self.tenant_id:
            raise Unauthorized()

    def require_global_key(self) -> None:
        """What all tenants share, or the instance itself owns, is for keys of no tenant:
        a tenant-scoped key is refused as unauthorized."""
        if self.tenant_id is not None:
            raise Unauthorized()

    def visible(self, tenant_id: str | None) -> None:
        """Objects of other tenants do not exist for a tenant-scoped key (FusionAuth: 404)."""
        if self.tenant_id is not None and tenant_id != self.tenant_id:
            raise NotFound()

    def visible_in_request(self, tenant_id: str | None) -> None:
        """Like `visible`, and an object outside the tenant named by the request's
        X-FusionAuth-TenantId header does not exist for that request either (404)."""
        self.visible(tenant_id)
        if self.requested_tenant_id and self.requested_tenant_id != tenant_id:
            raise NotFound()

    @property
    def listing_tenant_id(self) -> str | None:
        """The tenant a list or search is limited to: the key's, else the header's; None: all."""
        return self.tenant_id or self.requested_tenant_id

    def resolve_tenant(self, session: Session, explicit: str | None = None) -> str:
        """The tenant a request acts on: the key's, the header's, the body's, or the only one."""
        for candidate in (self.tenant_id, self.requested_tenant_id, explicit):
            if candidate:
                self.check_tenant(candidate)
                if session.get(Tenant, candidate) is None:
                    raise general_error(
                        "TenantDoesNotExist", f"No tenant with Id [{candidate}] exists."
                    )
                return candidate
        # Whole rows, not ids: the caller's session.get(Tenant, id) then needs no second query.
        tenants = list(session.scalars(select(Tenant).limit(2)))
        if len(tenants) == 1:
            return tenants[0].id
        raise general_error(
            "TenantIdRequired",
            f"More than one tenant exists; name the tenant with the {TENANT_HEADER} header.",
        )


def endpoint_allowed(endpoints: dict[str, list[str]], path: str, method: str) -> bool:
    """A key limited to endpoints may call those URIs (and the ones below them) with the
    listed methods only. No list means every endpoint."""
    if not endpoints:
        return True
    for endpoint, methods in endpoints.items():
        prefix = endpoint.rstrip("/")
        if (path == prefix or path.startswith(prefix + "/")) and method.upper() in methods:
            return True
    return False


def authenticate(request: Request, session: Session) -> Caller:
    """Check the Authorization header; FusionAuth answers 401 with an empty body otherwise."""
    raw = request.headers.get("authorization", "").strip()
    if not raw:
        raise Unauthorized()
    key = apikeys.find_by_secret(session, raw)
    if key is None:
        raise Unauthorized()
    expiration = key.doc.get("expirationInstant")
    if expiration is not None and expiration <= clock.now_ms():
        raise Unauthorized()
    endpoints = apikeys.permissions(key)
    if not endpoint_allowed(endpoints, request.url.path, request.method):
        raise Unauthorized()
    requested = request.headers.get(TENANT_HEADER)
    if requested is not None and not is_uuid(requested):
        raise general_error("invalid", f"The {TENANT_HEADER} header must be a valid UUID.")
    if requested and key.tenant_id and requested != key.tenant_id:
        raise Unauthorized()
    return Caller(
        key_id=key.id,
        tenant_id=key.tenant_id,
        key_manager=bool(key.doc.get("keyManager")),
        name=apikeys.description(key) or f"API key {key.key_hint}…",
        requested_tenant_id=requested,
        endpoints=endpoints,
    )
