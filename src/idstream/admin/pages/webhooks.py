"""Settings → Webhooks: list, add, edit, delete, and "Test" (a sample event sent now)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from idstream.admin import audit_messages
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
    render_fragment,
    text,
)
from idstream.auditlog import service as audit
from idstream.errors import Errors, ValidationFailed
from idstream.events import catalogue
from idstream.keys import service as keys
from idstream.tenants import service as tenants
from idstream.webhooks import service, testing
from idstream.webhooks.models import Webhook
from idstream.webhooks.transport import display_url

router = page_router()
BASE = f"{PREFIX}/settings/webhooks"
PASSWORD = service.PASSWORD


def parse_headers(errors: Errors, value: str) -> dict[str, str]:
    """`Name: value` lines (or `Name=value`), blank lines skipped."""
    headers: dict[str, str] = {}
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        separator = ":" if ":" in line else "="
        name, found, header_value = line.partition(separator)
        if not found or not name.strip():
            errors.field(
                "webhook.headers",
                "invalid",
                f"Line {number} is not a header: write it as `Name: value`.",
            )
            continue
        headers[name.strip()] = header_value.strip()
    return headers


def headers_text(headers: dict[str, Any] | None) -> str:
    return "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())


def webhook_from_form(form: FormData, existing: Webhook | None) -> dict[str, Any]:
    """The webhook request body the form describes. The password field is blank unless the
    admin types a new one, which keeps the stored password (never sent to the browser)."""
    errors = Errors()
    webhook: dict[str, Any] = {
        "url": text(form, "url"),
        "description": text(form, "description") or None,
        "connectTimeout": optional_int(form, "connectTimeout"),
        "readTimeout": optional_int(form, "readTimeout"),
        "eventsEnabled": {
            event_type.name: checked(form, f"event:{event_type.name}")
            for event_type in catalogue.ALL
        },
        "global": text(form, "tenants") != "chosen",
        "tenantIds": [value for value in form.getlist("tenantIds") if isinstance(value, str)],
        "headers": parse_headers(errors, raw_text(form, "headers")),
        "httpAuthenticationUsername": text(form, "httpAuthenticationUsername") or None,
        "sslCertificate": text(form, "sslCertificate") or None,
        "signatureConfiguration": {
            "enabled": checked(form, "signatureEnabled"),
            "signingKeyId": text(form, "signingKeyId") or None,
        },
    }
    if webhook["global"]:
        webhook["tenantIds"] = []
    password = raw_text(form, "httpAuthenticationPassword")
    if password:
        webhook[PASSWORD] = password
    elif checked(form, "clearPassword") or existing is None:
        webhook[PASSWORD] = None
    errors.raise_if_any()
    return {"webhook": webhook}


def _form_values(webhook: dict[str, Any]) -> dict[str, Any]:
    signature = webhook.get("signatureConfiguration") or {}
    return {
        "url": webhook.get("url") or "",
        "description": webhook.get("description") or "",
        "connectTimeout": webhook.get("connectTimeout", 1000),
        "readTimeout": webhook.get("readTimeout", 2000),
        "eventsEnabled": webhook.get("eventsEnabled") or {},
        "global": webhook.get("global", True),
        "tenantIds": webhook.get("tenantIds") or [],
        "headers": headers_text(webhook.get("headers")),
        "httpAuthenticationUsername": webhook.get("httpAuthenticationUsername") or "",
        "sslCertificate": webhook.get("sslCertificate") or "",
        "signatureEnabled": bool(signature.get("enabled")),
        "signingKeyId": signature.get("signingKeyId") or "",
    }


def _render_form(
    request: Request,
    call: AdminCall,
    values: dict[str, Any],
    webhook: Webhook | None,
    errors: ValidationFailed | None = None,
) -> Response:
    return render(
        request,
        "webhook_form.html",
        400 if errors else 200,
        title="Edit webhook" if webhook else "Add webhook",
        webhook=service.to_json(webhook) if webhook else None,
        has_password=bool(webhook and webhook.doc.get(PASSWORD)),
        values=values,
        errors=field_messages(errors) if errors else {},
        general=general_messages(errors) if errors else [],
        system_events=catalogue.SYSTEM_EVENTS,
        tenant_events=catalogue.TENANT_EVENTS,
        tenants=tenants.list_all(call.session),
        keys=[keys.to_json(k) for k in keys.list_all(call.session)],
        action=f"{BASE}/{webhook.id}/edit" if webhook else f"{BASE}/add",
    )


@router.get("/settings/webhooks")
def list_webhooks(request: Request, admin: CurrentAdmin) -> Response:
    with admin_read(request, admin) as call:
        found, _total = service.search(call.session, {"numberOfResults": 1000})
        tenant_names = {t.id: t.name for t in tenants.list_all(call.session)}
        rows = [service.to_json(w) for w in found]
    return render(
        request,
        "webhooks.html",
        title="Webhooks",
        webhooks=rows,
        tenant_names=tenant_names,
        notice=request.query_params.get("notice"),
    )


@router.get("/settings/webhooks/add")
def add_page(request: Request, admin: CurrentAdmin) -> Response:
    with admin_read(request, admin) as call:
        return _render_form(request, call, _form_values({}), None)


@router.post("/settings/webhooks/add")
def add(request: Request, admin: CurrentAdmin, form: CheckedForm) -> Response:
    try:
        with admin_transaction(request, admin) as call:
            payload = webhook_from_form(form, None)
            webhook = service.create(
                call.session, payload, url_check=testing.url_check(request.app.state.settings)
            )
            audit.audit_change(
                call.session,
                call.caller,
                audit_messages.webhook_created(webhook.id, webhook.url),
                new_value=service.to_json(webhook),
                info=call.event_info(),
            )
    except ValidationFailed as error:
        with admin_read(request, admin) as call:
            values = _values_from_form(form)
            return _render_form(request, call, values, None, error)
    return redirect(f"{BASE}?notice=Webhook+added.")


@router.get("/settings/webhooks/{webhook_id}/edit")
def edit_page(request: Request, admin: CurrentAdmin, webhook_id: str) -> Response:
    with admin_read(request, admin) as call:
        webhook = service.get(call.session, webhook_id)
        return _render_form(request, call, _form_values(service.to_json(webhook)), webhook)


@router.post("/settings/webhooks/{webhook_id}/edit")
def edit(request: Request, admin: CurrentAdmin, form: CheckedForm, webhook_id: str) -> Response:
    try:
        with admin_transaction(request, admin) as call:
            webhook = service.get(call.session, webhook_id)
            before = service.to_json(webhook)
            service.update(
                call.session,
                webhook,
                webhook_from_form(form, webhook),
                patch=False,
                url_check=testing.url_check(request.app.state.settings),
            )
            audit.audit_change(
                call.session,
                call.caller,
                audit_messages.webhook_updated(webhook.id, webhook.url),
                old_value=before,
                new_value=service.to_json(webhook),
                info=call.event_info(),
            )
    except ValidationFailed as error:
        with admin_read(request, admin) as call:
            webhook = service.get(call.session, webhook_id)
            return _render_form(request, call, _values_from_form(form), webhook, error)
    return redirect(f"{BASE}?notice=Webhook+saved.")


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete(request: Request, admin: CurrentAdmin, form: CheckedForm, webhook_id: str) -> Response:
    del form
    with admin_transaction(request, admin) as call:
        webhook = service.get(call.session, webhook_id)
        before = service.to_json(webhook)
        service.delete(call.session, webhook)
        audit.audit_change(
            call.session,
            call.caller,
            audit_messages.webhook_deleted(before["id"], before["url"]),
            old_value=before,
            info=call.event_info(),
        )
    return redirect(f"{BASE}?notice=Webhook+deleted.")


@router.post("/settings/webhooks/{webhook_id}/test")
def send_test(
    request: Request, admin: CurrentAdmin, form: CheckedForm, webhook_id: str
) -> Response:
    """A sample event of the chosen type, sent now and not stored: the receiver's answer is
    shown inline."""
    try:
        with admin_read(request, admin) as call:
            webhook = service.get(call.session, webhook_id)
            body = {"event": {"type": text(form, "eventType")}}
            event, target = testing.prepare(call.session, webhook, body)
    except ValidationFailed as error:
        return render_fragment(request, "webhook_test_result.html", 400, error=error.summary())
    result = testing.send(request.app.state, target, event)
    return render_fragment(
        request,
        "webhook_test_result.html",
        title="Webhook test",
        ok=result.ok,
        status_code_sent=result.status_code,
        failure=result.error,
        url=display_url(target.url),
        event_type=event["type"],
        error=None,
    )


def _values_from_form(form: FormData) -> dict[str, Any]:
    """What the admin typed, to show again beside the errors."""
    return {
        "url": text(form, "url"),
        "description": text(form, "description"),
        "connectTimeout": text(form, "connectTimeout"),
        "readTimeout": text(form, "readTimeout"),
        "eventsEnabled": {t.name: checked(form, f"event:{t.name}") for t in catalogue.ALL},
        "global": text(form, "tenants") != "chosen",
        "tenantIds": [v for v in form.getlist("tenantIds") if isinstance(v, str)],
        "headers": raw_text(form, "headers"),
        "httpAuthenticationUsername": text(form, "httpAuthenticationUsername"),
        "sslCertificate": text(form, "sslCertificate"),
        "signatureEnabled": checked(form, "signatureEnabled"),
        "signingKeyId": text(form, "signingKeyId"),
    }
