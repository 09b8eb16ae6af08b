"""/api/webhook: FusionAuth's Webhook API, and POST /api/webhook/{id}/test."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream import clock
from idstream.api import ApiCall, JsonBody, api_read, api_transaction, path_id
from idstream.config import Settings
from idstream.db import new_id
from idstream.errors import Errors, Unauthorized, field_error
from idstream.events import catalogue
from idstream.events.rendering import render_event
from idstream.jsondoc import check_type
from idstream.web import empty_response, json_response
from idstream.webhooks import service
from idstream.webhooks.models import FAILURE, SUCCESS
from idstream.webhooks.service import UrlCheck
from idstream.webhooks.signing import SigningKeyUnavailable
from idstream.webhooks.transport import Transport, display_url, private_address_reason

router = APIRouter()


def require_global_key(call: ApiCall) -> None:
    """Webhooks serve every tenant; a tenant-scoped key may not see or change them."""
    if call.caller.is_tenant_scoped:
        raise Unauthorized()


def _url_check(request: Request) -> UrlCheck | None:
    settings: Settings = request.app.state.settings
    return private_address_reason if settings.webhook_deny_private else None


def transport(request: Request) -> Transport:
    state = request.app.state
    if getattr(state, "webhook_transport", None) is None:
        state.webhook_transport = Transport(deny_private=state.settings.webhook_deny_private)
    result: Transport = state.webhook_transport
    return result


@router.post("/api/webhook/search")
def search_webhooks(request: Request, body: JsonBody) -> Response:
    criteria = body.get("search")
    return _search(request, criteria if isinstance(criteria, dict) else {})


@router.get("/api/webhook/search")
def search_webhooks_by_parameters(request: Request) -> Response:
    criteria: dict[str, Any] = dict(request.query_params)
    for key in ("startRow", "numberOfResults"):
        if key in criteria and str(criteria[key]).lstrip("-").isdigit():
            criteria[key] = int(criteria[key])
    return _search(request, criteria)


def _search(request: Request, criteria: dict[str, Any]) -> Response:
    with api_read(request) as call:
        require_global_key(call)
        found, total = service.search(call.session, criteria)
        return json_response({"webhooks": [service.to_json(w) for w in found], "total": total})


@router.post("/api/webhook")
@router.post("/api/webhook/{webhook_id}")
def create_webhook(request: Request, body: JsonBody, webhook_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        require_global_key(call)
        webhook = service.create(
            call.session, body, path_id(webhook_id, "webhookId"), _url_check(request)
        )
        return json_response({"webhook": service.to_json(webhook)})


@router.get("/api/webhook")
def list_webhooks(request: Request) -> Response:
    with api_read(request) as call:
        require_global_key(call)
        found, _total = service.search(call.session, {"numberOfResults": 1_000_000})
        return json_response({"webhooks": [service.to_json(w) for w in found]})


@router.get("/api/webhook/{webhook_id}")
def retrieve_webhook(request: Request, webhook_id: str) -> Response:
    with api_read(request) as call:
        require_global_key(call)
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        return json_response({"webhook": service.to_json(webhook)})


@router.put("/api/webhook/{webhook_id}")
def update_webhook(request: Request, body: JsonBody, webhook_id: str) -> Response:
    return _update(request, body, webhook_id, patch=False)


@router.patch("/api/webhook/{webhook_id}")
def patch_webhook(request: Request, body: JsonBody, webhook_id: str) -> Response:
    return _update(request, body, webhook_id, patch=True)


def _update(request: Request, body: dict[str, Any], webhook_id: str, *, patch: bool) -> Response:
    with api_transaction(request) as call:
        require_global_key(call)
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        service.update(call.session, webhook, body, patch=patch, url_check=_url_check(request))
        return json_response({"webhook": service.to_json(webhook)})


@router.delete("/api/webhook/{webhook_id}")
def delete_webhook(request: Request, webhook_id: str) -> Response:
    with api_transaction(request) as call:
        require_global_key(call)
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        service.delete(call.session, webhook)
        return empty_response(200)


@router.post("/api/webhook/{webhook_id}/test")
def send_test_event(request: Request, body: JsonBody, webhook_id: str) -> Response:
    """Sends a sample event of the given type to the webhook now; nothing is stored."""
    with api_read(request) as call:
        require_global_key(call)
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        event = sample_event(body, webhook.doc.get("tenantIds") or [])
        try:
            target = service.target(call.session, webhook)
        except SigningKeyUnavailable as error:
            raise field_error(
                "webhook.signatureConfiguration.signingKeyId", "invalid", f"{error}."
            ) from None
    payload = render_event(event)
    result = transport(request).send(target, payload)
    return json_response(
        {
            "attemptResult": SUCCESS if result.ok else FAILURE,
            "event": event,
            "webhookCallResponse": {
                "exception": result.error,
                "statusCode": result.status_code,
                "url": display_url(target.url),
            },
        }
    )


def sample_event(body: dict[str, Any], tenant_ids: list[str]) -> dict[str, Any]:
    """The caller's event object with the fields every event has filled in, and a sample
    user or registration when the type is about one and none was given."""
    errors = Errors()
    given = check_type(errors, body, "event", "event", dict)
    if given is None and "event" not in errors.field_errors:
        errors.field("event", "missing", "The request is missing the [event] object.")
    errors.raise_if_any()
    assert given is not None
    name = check_type(errors, given, "type", "event.type", str)
    event_type = catalogue.lookup(name) if name else None
    if not name and "event.type" not in errors.field_errors:
        errors.field("event.type", "blank", "You must specify the [event.type] field.")
    elif name and event_type is None:
        errors.field("event.type", "invalid", f"[{name}] is not an event type.")
    errors.raise_if_any()
    assert event_type is not None
    event: dict[str, Any] = {
        "createInstant": clock.now_ms(),
        "id": new_id(),
        **given,
        "type": event_type.name,
    }
    if event_type.is_tenant_event and "tenantId" not in given and tenant_ids:
        event["tenantId"] = tenant_ids[0]
    if event_type.name.startswith("user.") and "user" not in given:
        event["user"] = {
            "active": True,
            "email": "example@fusionauth.io",
            "id": new_id(),
            "insertInstant": event["createInstant"],
            "username": "example",
            "verified": True,
        }
    if ".registration." in event_type.name and "registration" not in given:
        event["registration"] = {"applicationId": new_id(), "id": new_id(), "roles": []}
    return event
