"""System: the audit log, the event log and the webhook event log (search, paging, detail),
with Redeliver for webhook events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from idstream import clock
from idstream.admin import audit_messages
from idstream.admin.paging import Page
from idstream.admin.web import (
    PREFIX,
    AdminUser,
    CheckedForm,
    CurrentAdmin,
    admin_read,
    admin_transaction,
    page_router,
    redirect,
    render,
    text,
)
from idstream.auditlog import service as audit
from idstream.db import after_commit
from idstream.errors import NotFound, ValidationFailed
from idstream.eventlog import service as event_log
from idstream.events import catalogue
from idstream.webhooks import deliveries, logs
from idstream.webhooks import service as webhooks

router = page_router()
HOUR = 3_600_000
# The webhook event log looks back this far unless told otherwise.
WINDOWS = (
    ("1h", "Last hour", HOUR),
    ("24h", "Last 24 hours", 24 * HOUR),
    ("7d", "Last 7 days", 7 * 24 * HOUR),
)


def _number(value: str) -> int:
    """A log entry id from the URL; anything but a number names no entry."""
    if not value.isdigit() or len(value) > 18:
        raise NotFound()
    return int(value)


def _search_page(
    request: Request,
    admin: AdminUser,
    page: Page,
    search: Callable[[Session], tuple[list[dict[str, Any]], int]],
    template: str,
    **context: Any,
) -> Response:
    """A log's search page: `search` finds one page of entries (as JSON) and the total. Criteria
    the service refuses are not an error page: the form stays, with the reasons above no results."""
    entries: list[dict[str, Any]] = []
    total, problems = 0, []
    with admin_read(request, admin) as call:
        try:
            entries, total = search(call.session)
        except ValidationFailed as error:
            problems = error.summary().split("; ")
    return render(
        request,
        template,
        entries=entries,
        page=page.with_total(total),
        problems=problems,
        **context,
    )


@router.get("/system/audit-log")
def audit_log(
    request: Request,
    admin: CurrentAdmin,
    message: str = "",
    user: str = "",
    reason: str = "",
    start: int = 0,
) -> Response:
    page = Page.from_request(request, start)
    criteria = {
        "message": message,
        "user": user,
        "reason": reason,
        "startRow": page.start,
        "numberOfResults": page.size,
    }

    def search(session: Session) -> tuple[list[dict[str, Any]], int]:
        found, total = audit.search(session, {"search": criteria})
        return [audit.to_json(e) for e in found], total

    return _search_page(
        request,
        admin,
        page,
        search,
        "audit_log.html",
        title="Audit log",
        query={"message": message, "user": user, "reason": reason},
    )


@router.get("/system/audit-log/{entry_id}")
def audit_log_entry(request: Request, admin: CurrentAdmin, entry_id: str) -> Response:
    with admin_read(request, admin) as call:
        entry = audit.to_json(audit.get(call.session, _number(entry_id)))
    return render(
        request, "audit_log_entry.html", title=f"Audit log entry {entry['id']}", entry=entry
    )


@router.get("/system/event-log")
def event_log_page(
    request: Request, admin: CurrentAdmin, message: str = "", type: str = "", start: int = 0
) -> Response:
    page = Page.from_request(request, start)
    criteria: dict[str, Any] = {"startRow": page.start, "numberOfResults": page.size}
    if message:
        criteria["message"] = message
    if type:
        criteria["type"] = type

    def search(session: Session) -> tuple[list[dict[str, Any]], int]:
        found, total = event_log.search(session, event_log.parse_criteria({"search": criteria}))
        return [event_log.to_json(e) for e in found], total

    return _search_page(
        request,
        admin,
        page,
        search,
        "event_log.html",
        title="Event log",
        query={"message": message, "type": type},
        types=event_log.TYPES,
    )


@router.get("/system/event-log/{entry_id}")
def event_log_entry(request: Request, admin: CurrentAdmin, entry_id: str) -> Response:
    with admin_read(request, admin) as call:
        entry = event_log.to_json(event_log.get(call.session, _number(entry_id)))
    return render(
        request, "event_log_entry.html", title=f"Event log entry {entry['id']}", entry=entry
    )


@router.get("/system/webhook-event-log")
def webhook_event_log(
    request: Request,
    admin: CurrentAdmin,
    type: str = "",
    result: str = "",
    text_search: str = "",
    window: str = "24h",
    start: int = 0,
) -> Response:
    page = Page.from_request(request, start)
    now = clock.now_ms()
    span = next((w[2] for w in WINDOWS if w[0] == window), 24 * HOUR)
    criteria: dict[str, Any] = {
        "start": now - span,
        "end": now + 60_000,
        "startRow": page.start,
        "numberOfResults": page.size,
    }
    for key, value in (("eventType", type), ("eventResult", result), ("event", text_search)):
        if value:
            criteria[key] = value
    return _search_page(
        request,
        admin,
        page,
        lambda session: logs.search_event_logs(session, criteria, now),
        "webhook_event_log.html",
        title="Webhook event log",
        query={"type": type, "result": result, "text_search": text_search, "window": window},
        event_types=[t.name for t in catalogue.ALL],
        results=logs.EVENT_RESULTS,
        windows=WINDOWS,
    )


@router.get("/system/webhook-event-log/{event_id}")
def webhook_event_log_entry(request: Request, admin: CurrentAdmin, event_id: str) -> Response:
    with admin_read(request, admin) as call:
        entry = logs.get_event_log(call.session, event_id)
        urls = {
            w.id: w.url
            for w in (_webhook(call.session, d["webhookId"]) for d in entry["deliveries"])
            if w is not None
        }
        for attempt in entry["attempts"]:
            urls.setdefault(attempt["webhookId"], attempt["webhookCallResponse"]["url"])
    return render(
        request,
        "webhook_event_log_entry.html",
        title=f"Webhook event {entry['eventType']}",
        entry=entry,
        urls=urls,
        notice=request.query_params.get("notice"),
    )


def _webhook(session: Any, webhook_id: str) -> Any:
    try:
        return webhooks.get(session, webhook_id)
    except NotFound:
        return None


@router.post("/system/webhook-event-log/{event_id}/redeliver")
def redeliver(request: Request, admin: CurrentAdmin, form: CheckedForm, event_id: str) -> Response:
    webhook_id = text(form, "webhookId") or None
    with admin_transaction(request, admin) as call:
        sent_to = deliveries.redeliver(
            call.session, event_id, webhook_id, clock.now_ms(), request.app.state.settings
        )
        audit.audit_change(
            call.session,
            call.caller,
            audit_messages.webhook_redelivered(event_id, sent_to),
            info=call.event_info(),
        )
        after_commit(call.session, request.app.state.workers.wake_all)
    count = len(sent_to)
    notice = f"Queued again for {count} webhook{'s' if count != 1 else ''}."
    return redirect(f"{PREFIX}/system/webhook-event-log/{event_id}?notice={quote_plus(notice)}")
