"""Tenants: list, add, edit (name, the per-event Enabled and transaction type table, SMTP)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from idstream.admin.web import (
    PREFIX,
    AdminCall,
    CheckedForm,
    CurrentAdmin,
    admin_read,
    admin_transaction,
    checked,
    field_messages,
    general_messages,
    optional_int,
    page_router,
    raw_text,
    redirect,
    render,
    text,
)
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.errors import ValidationFailed
from idstream.events import catalogue
from idstream.tenants import service
from idstream.tenants.models import Tenant

router = page_router()
BASE = f"{PREFIX}/tenants"


def events_from_form(form: FormData) -> dict[str, Any]:
    events: dict[str, Any] = {}
    for event_type in catalogue.TENANT_EVENTS:
        kind = text(form, f"transactionType:{event_type.name}") or "None"
        events[event_type.name] = {
            "enabled": checked(form, f"enabled:{event_type.name}"),
            "transactionType": kind if event_type.transactional else "None",
        }
    return events


def tenant_from_form(form: FormData) -> dict[str, Any]:
    email: dict[str, Any] = {
        "host": text(form, "smtpHost"),
        "port": optional_int(form, "smtpPort"),
        "security": text(form, "smtpSecurity") or "NONE",
        "username": text(form, "smtpUsername") or None,
        "defaultFromEmail": text(form, "defaultFromEmail"),
        "defaultFromName": text(form, "defaultFromName"),
    }
    password = raw_text(form, "smtpPassword")
    if password:
        email["password"] = password
    return {
        "tenant": {
            "name": text(form, "name"),
            "eventConfiguration": {"events": events_from_form(form)},
            "emailConfiguration": email,
        }
    }


def _values(tenant_json: dict[str, Any]) -> dict[str, Any]:
    email = tenant_json.get("emailConfiguration") or {}
    events = (tenant_json.get("eventConfiguration") or {}).get("events") or {}
    return {
        "name": tenant_json.get("name") or "",
        "events": events,
        "smtpHost": email.get("host") or "",
        "smtpPort": email.get("port") or "",
        "smtpSecurity": email.get("security") or "NONE",
        "smtpUsername": email.get("username") or "",
        "defaultFromEmail": email.get("defaultFromEmail") or "",
        "defaultFromName": email.get("defaultFromName") or "",
    }


def _values_from_form(form: FormData) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "events": events_from_form(form),
        "smtpHost": text(form, "smtpHost"),
        "smtpPort": text(form, "smtpPort"),
        "smtpSecurity": text(form, "smtpSecurity"),
        "smtpUsername": text(form, "smtpUsername"),
        "defaultFromEmail": text(form, "defaultFromEmail"),
        "defaultFromName": text(form, "defaultFromName"),
    }


def _has_password(tenant: Tenant | None) -> bool:
    return bool(tenant and (tenant.doc.get("emailConfiguration") or {}).get("password"))


def _render_form(
    request: Request,
    tenant: Tenant | None,
    values: dict[str, Any],
    error: ValidationFailed | None = None,
) -> Response:
    return render(
        request,
        "tenant_form.html",
        400 if error else 200,
        title=f"Edit tenant {tenant.name}" if tenant else "Add tenant",
        tenant=tenant,
        values=values,
        has_password=_has_password(tenant),
        tenant_events=catalogue.TENANT_EVENTS,
        transaction_types=catalogue.TRANSACTION_TYPES,
        security_modes=service.EMAIL_SECURITY,
        errors=field_messages(error) if error else {},
        general=general_messages(error) if error else [],
        action=f"{BASE}/{tenant.id}/edit" if tenant else f"{BASE}/add",
    )


@router.get("/tenants")
def list_tenants(request: Request, admin: CurrentAdmin) -> Response:
    with admin_read(request, admin) as call:
        rows = [service.to_json(t) for t in service.list_all(call.session)]
    return render(
        request,
        "tenants.html",
        title="Tenants",
        tenants=rows,
        notice=request.query_params.get("notice"),
    )


@router.get("/tenants/add")
def add_page(request: Request, admin: CurrentAdmin) -> Response:
    del admin
    return _render_form(request, None, _values(service.default_tenant_doc("")))


@router.post("/tenants/add")
def add(request: Request, admin: CurrentAdmin, form: CheckedForm) -> Response:
    try:
        with admin_transaction(request, admin) as call:
            tenant = service.create(call.session, tenant_from_form(form))
            _audit(call, messages.tenant_created(service.to_json(tenant)), None, tenant)
    except ValidationFailed as error:
        return _render_form(request, None, _values_from_form(form), error)
    return redirect(f"{BASE}?notice=Tenant+added.")


@router.get("/tenants/{tenant_id}/edit")
def edit_page(request: Request, admin: CurrentAdmin, tenant_id: str) -> Response:
    with admin_read(request, admin) as call:
        tenant = service.get(call.session, tenant_id)
        return _render_form(request, tenant, _values(service.to_json(tenant)))


@router.post("/tenants/{tenant_id}/edit")
def edit(request: Request, admin: CurrentAdmin, form: CheckedForm, tenant_id: str) -> Response:
    try:
        with admin_transaction(request, admin) as call:
            tenant = service.get(call.session, tenant_id)
            before = service.to_json(tenant)
            service.update(call.session, tenant, tenant_from_form(form), patch=True)
            _audit(call, messages.tenant_updated(service.to_json(tenant)), before, tenant)
    except ValidationFailed as error:
        with admin_read(request, admin) as call:
            tenant = service.get(call.session, tenant_id)
            return _render_form(request, tenant, _values_from_form(form), error)
    return redirect(f"{BASE}?notice=Tenant+saved.")


def _audit(call: AdminCall, message: str, before: dict[str, Any] | None, tenant: Tenant) -> None:
    audit.audit_change(
        call.session,
        call.caller,
        message,
        old_value=before,
        new_value=service.to_json(tenant),
        tenant_id=tenant.id,
        info=call.event_info(),
    )
