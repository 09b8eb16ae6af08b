"""/api/webhook: FusionAuth's Webhook API, and POST /api/webhook/{id}/test."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream.api import (
    JsonBody,
    api_read,
    api_transaction,
    path_id,
    search_from_body,
    search_from_query,
)
from idstream.web import empty_response, json_response
from idstream.webhooks import service, testing
from idstream.webhooks.models import FAILURE, SUCCESS
from idstream.webhooks.service import UrlCheck
from idstream.webhooks.transport import display_url

# Webhooks serve every tenant: a tenant-scoped key may not see or change them.
router = APIRouter()


def _url_check(request: Request) -> UrlCheck | None:
    return testing.url_check(request.app.state.settings)


@router.post("/api/webhook/search")
def search_webhooks(request: Request, body: JsonBody) -> Response:
    return _search(request, search_from_body(body))


@router.get("/api/webhook/search")
def search_webhooks_by_parameters(request: Request) -> Response:
    return _search(request, search_from_query(request, numeric=("startRow", "numberOfResults")))


def _search(request: Request, criteria: dict[str, Any]) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        found, total = service.search(call.session, criteria)
        return json_response({"webhooks": [service.to_json(w) for w in found], "total": total})


@router.post("/api/webhook")
@router.post("/api/webhook/{webhook_id}")
def create_webhook(request: Request, body: JsonBody, webhook_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        webhook = service.create(
            call.session, body, path_id(webhook_id, "webhookId"), _url_check(request)
        )
        return json_response({"webhook": service.to_json(webhook)})


@router.get("/api/webhook")
def list_webhooks(request: Request) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        found, _total = service.search(call.session, {"numberOfResults": 1_000_000})
        return json_response({"webhooks": [service.to_json(w) for w in found]})


@router.get("/api/webhook/{webhook_id}")
def retrieve_webhook(request: Request, webhook_id: str) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
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
        call.caller.require_global_key()
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        service.update(call.session, webhook, body, patch=patch, url_check=_url_check(request))
        return json_response({"webhook": service.to_json(webhook)})


@router.delete("/api/webhook/{webhook_id}")
def delete_webhook(request: Request, webhook_id: str) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        service.delete(call.session, webhook)
        return empty_response(200)


@router.post("/api/webhook/{webhook_id}/test")
def send_test_event(request: Request, body: JsonBody, webhook_id: str) -> Response:
    """Sends a sample event of the given type to the webhook now; nothing is stored."""
    with api_read(request) as call:
        call.caller.require_global_key()
        webhook = service.get(call.session, path_id(webhook_id, "webhookId") or "")
        event, target = testing.prepare(call.session, webhook, body)
    result = testing.send(request.app.state, target, event)
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
