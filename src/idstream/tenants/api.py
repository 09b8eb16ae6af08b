"""/api/tenant: FusionAuth's Tenant API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import ApiCall, JsonBody, api_read, api_transaction, path_id
from idstream.auditlog import messages
from idstream.auditlog.service import audit_change
from idstream.tenants import service
from idstream.web import empty_response, json_response

router = APIRouter()


@router.post("/api/tenant")
@router.post("/api/tenant/{tenant_id}")
def create_tenant(request: Request, body: JsonBody, tenant_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        tenant = service.create(call.session, body, path_id(tenant_id, "tenantId"))
        created = service.to_json(tenant)
        _audit(call, body, messages.tenant_created(created), new_value=created)
        return json_response({"tenant": created})


@router.get("/api/tenant")
def list_tenants(request: Request) -> Response:
    with api_read(request) as call:
        tenants = service.list_all(call.session)
        visible = [t for t in tenants if call.caller.tenant_id in (None, t.id)]
        return json_response({"tenants": [service.to_json(t) for t in visible]})


@router.get("/api/tenant/{tenant_id}")
def retrieve_tenant(request: Request, tenant_id: str) -> Response:
    with api_read(request) as call:
        tenant = service.get(call.session, path_id(tenant_id, "tenantId") or "")
        call.caller.check_tenant(tenant.id)
        return json_response({"tenant": service.to_json(tenant)})


@router.put("/api/tenant/{tenant_id}")
def update_tenant(request: Request, body: JsonBody, tenant_id: str) -> Response:
    return _update(request, body, tenant_id, patch=False)


@router.patch("/api/tenant/{tenant_id}")
def patch_tenant(request: Request, body: JsonBody, tenant_id: str) -> Response:
    return _update(request, body, tenant_id, patch=True)


def _update(request: Request, body: dict, tenant_id: str, *, patch: bool) -> Response:
    with api_transaction(request) as call:
        tenant = service.get(call.session, path_id(tenant_id, "tenantId") or "")
        call.caller.check_tenant(tenant.id)
        before = service.to_json(tenant)
        service.update(call.session, tenant, body, patch=patch)
        after = service.to_json(tenant)
        _audit(call, body, messages.tenant_updated(after), old_value=before, new_value=after)
        return json_response({"tenant": after})


@router.delete("/api/tenant/{tenant_id}")
def delete_tenant(request: Request, tenant_id: str) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        tenant = service.get(call.session, path_id(tenant_id, "tenantId") or "")
        _audit(call, {}, messages.tenant_deleted(service.to_json(tenant)))
        service.delete(call.session, tenant)
        return empty_response(200)


def _audit(
    call: ApiCall,
    body: dict,
    message: str,
    old_value: dict | None = None,
    new_value: dict | None = None,
) -> None:
    """Audited when the system configuration records API changes (FusionAuth's rule)."""
    audit_change(
        call.session,
        call.caller,
        message,
        old_value=old_value,
        new_value=new_value,
        info=call.event_info(body),
    )
