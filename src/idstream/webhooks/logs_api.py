"""FusionAuth's Webhook Event Log API, and POST /api/system/webhook-event-log/{id}/redeliver."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream import clock
from idstream.api import (
    OptionalJsonBody,
    api_read,
    api_transaction,
    path_id,
    search_from_body,
    search_from_query,
)
from idstream.db import after_commit
from idstream.errors import Errors
from idstream.jsondoc import check_uuid
from idstream.web import json_response
from idstream.webhooks import deliveries, logs

router = APIRouter()


@router.post("/api/system/webhook-event-log/search")
def search_event_logs(request: Request, body: OptionalJsonBody) -> Response:
    return _search(request, search_from_body(body))


@router.get("/api/system/webhook-event-log/search")
def search_event_logs_by_parameters(request: Request) -> Response:
    return _search(
        request, search_from_query(request, numeric=("start", "end", "startRow", "numberOfResults"))
    )


def _search(request: Request, criteria: dict[str, Any]) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        found, total = logs.search_event_logs(call.session, criteria, clock.now_ms())
        return json_response({"total": total, "webhookEventLogs": found})


@router.get("/api/system/webhook-event-log/{log_id}")
def retrieve_event_log(request: Request, log_id: str) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        found = logs.get_event_log(call.session, path_id(log_id, "logId") or "")
        return json_response({"webhookEventLog": found})


@router.get("/api/system/webhook-attempt-log/{log_id}")
def retrieve_attempt_log(request: Request, log_id: str) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        found = logs.get_attempt_log(call.session, path_id(log_id, "logId") or "")
        return json_response({"webhookAttemptLog": found})


@router.post("/api/system/webhook-event-log/{log_id}/redeliver")
def redeliver(request: Request, body: OptionalJsonBody, log_id: str) -> Response:
    """Send the event again to one webhook ({"webhookId": ...}) or to all it went to."""
    errors = Errors()
    webhook_id = check_uuid(errors, body, "webhookId", "webhookId")
    errors.raise_if_any()
    event_id = path_id(log_id, "logId") or ""
    with api_transaction(request) as call:
        call.caller.require_global_key()
        webhook_ids = deliveries.redeliver(
            call.session, event_id, webhook_id, clock.now_ms(), request.app.state.settings
        )
        after_commit(call.session, request.app.state.workers.wake_all)
    with api_read(request) as call:
        found = logs.get_event_log(call.session, event_id)
    return json_response({"webhookEventLog": found, "webhookIds": webhook_ids})
