"""Which user or tenant a request acts on, as far as its caller may see."""

from __future__ import annotations

from typing import Any

from idstream.api import ApiCall, path_id
from idstream.errors import Errors
from idstream.jsondoc import check_uuid
from idstream.tenants.models import Tenant
from idstream.users import service
from idstream.users.models import User


def load_user(call: ApiCall, user_id: str) -> tuple[User, Tenant]:
    """The user of the URL; users of other tenants do not exist for the caller (404)."""
    user = service.get(call.session, path_id(user_id, "userId") or "")
    call.caller.visible_in_request(user.tenant_id)
    tenant = call.session.get(Tenant, user.tenant_id)
    assert tenant is not None
    return user, tenant


def request_tenant(call: ApiCall, payload: dict[str, Any]) -> Tenant:
    """The tenant a new user goes into: the key's, the header's, user.tenantId, or the only."""
    body = payload.get("user")
    errors = Errors()
    explicit = check_uuid(
        errors, body if isinstance(body, dict) else {}, "tenantId", "user.tenantId"
    )
    errors.raise_if_any()
    tenant = call.session.get(Tenant, call.caller.resolve_tenant(call.session, explicit))
    assert tenant is not None
    return tenant
