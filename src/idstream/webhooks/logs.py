"""FusionAuth's WebhookEventLog and WebhookAttemptLog, read from the event store, the
delivery rows and the attempts. The event log id is the event's id."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from idstream.db import get_or_not_found
from idstream.errors import Errors, NotFound
from idstream.events import catalogue, cursors
from idstream.events.store import StoredEvent
from idstream.jsondoc import check_type
from idstream.webhooks.deliveries import CURSOR
from idstream.webhooks.models import (
    FAILED,
    PENDING,
    SENDING,
    SUCCESS,
    WebhookAttempt,
    WebhookDelivery,
)

RUNNING, SUCCEEDED, FAILED_RESULT = "Running", "Succeeded", "Failed"
EVENT_RESULTS = (RUNNING, SUCCEEDED, FAILED_RESULT)
MINUTE = 60_000


def attempt_json(attempt: WebhookAttempt, *, with_event_id: bool = True) -> dict[str, Any]:
    return {
        "attemptResult": attempt.result,
        "data": {"durationInMillis": attempt.end_instant - attempt.start_instant},
        "endInstant": attempt.end_instant,
        "id": attempt.id,
        "startInstant": attempt.start_instant,
        "webhookCallResponse": {
            "exception": attempt.error,
            "statusCode": attempt.status_code,
            "url": attempt.url,
        },
        "webhookEventLogId": attempt.event_id if with_event_id else None,
        "webhookId": attempt.webhook_id,
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    """Beyond FusionAuth: where each webhook's delivery of the event stands."""
    waiting = delivery.status in (PENDING, SENDING)
    return {
        "webhookId": delivery.webhook_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "nextAttemptInstant": delivery.next_attempt_at if waiting else None,
        "lastAttemptInstant": delivery.last_attempt_at,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
    }


def event_log_json(session: Session, event: StoredEvent, fanned_to: int) -> dict[str, Any]:
    attempts = sorted(
        session.scalars(select(WebhookAttempt).where(WebhookAttempt.event_id == event.id)),
        key=lambda a: (a.start_instant, a.end_instant),
    )
    deliveries = sorted(
        session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)),
        key=lambda d: d.created_at,
    )
    statuses = {d.status for d in deliveries}
    if event.sequence > fanned_to or statuses & {PENDING, SENDING}:
        result = RUNNING
    elif FAILED in statuses:
        result = FAILED_RESULT
    else:
        result = SUCCEEDED
    last_attempt = max((a.end_instant for a in attempts), default=None)
    return {
        "attempts": [attempt_json(a, with_event_id=False) for a in attempts],
        "data": {},
        "deliveries": [delivery_json(d) for d in deliveries],
        "event": json.loads(event.payload),
        "eventResult": result,
        "eventType": event.type,
        "failedAttempts": sum(1 for a in attempts if a.result != SUCCESS),
        "id": event.id,
        "insertInstant": event.create_instant,
        "lastAttemptInstant": last_attempt,
        "lastUpdateInstant": max(event.create_instant, last_attempt or 0),
        "linkedObjectId": event.user_id,
        "sequence": event.sequence,
        "successfulAttempts": sum(1 for a in attempts if a.result == SUCCESS),
    }


def get_event_log(session: Session, event_id: str) -> dict[str, Any]:
    event = session.scalar(select(StoredEvent).where(StoredEvent.id == event_id))
    if event is None:
        raise NotFound()
    return event_log_json(session, event, cursors.get(session, CURSOR))


def get_attempt_log(session: Session, attempt_id: str) -> dict[str, Any]:
    return attempt_json(get_or_not_found(session, WebhookAttempt, attempt_id))


def _result_expression(fanned_to: int) -> ColumnElement[str]:
    def owed(*states: str) -> ColumnElement[bool]:
        return exists().where(
            WebhookDelivery.event_id == StoredEvent.id, WebhookDelivery.status.in_(states)
        )

    running = or_(StoredEvent.sequence > fanned_to, owed(PENDING, SENDING))
    return case(
        (running, literal(RUNNING)),
        (owed(FAILED), literal(FAILED_RESULT)),
        else_=literal(SUCCEEDED),
    )


def search_event_logs(
    session: Session, criteria: dict[str, Any], now: int
) -> tuple[list[dict[str, Any]], int]:
    errors = Errors()
    start = check_type(errors, criteria, "start", "search.start", int)
    end = check_type(errors, criteria, "end", "search.end", int)
    text = check_type(errors, criteria, "event", "search.event", str)
    wanted = check_type(errors, criteria, "eventResult", "search.eventResult", str)
    event_type = check_type(errors, criteria, "eventType", "search.eventType", str)
    first = check_type(errors, criteria, "startRow", "search.startRow", int) or 0
    count = check_type(errors, criteria, "numberOfResults", "search.numberOfResults", int)
    order = check_type(errors, criteria, "orderBy", "search.orderBy", str) or "insertInstant DESC"
    if wanted is not None and wanted not in EVENT_RESULTS:
        errors.field("search.eventResult", "invalid", f"[{wanted}] is not an event result.")
    if event_type is not None and catalogue.lookup(event_type) is None:
        errors.field("search.eventType", "invalid", f"[{event_type}] is not an event type.")
    if first < 0 or (count is not None and count < 0):
        errors.field("search.startRow", "invalid", "Paging values must not be negative.")
    fanned_to = cursors.get(session, CURSOR)
    result = _result_expression(fanned_to)
    last_attempt = (
        select(func.max(WebhookAttempt.end_instant))
        .where(WebhookAttempt.event_id == StoredEvent.id)
        .scalar_subquery()
    )
    columns: dict[str, Any] = {
        "eventResult": result,
        "eventType": StoredEvent.type,
        "id": StoredEvent.id,
        "insertInstant": StoredEvent.create_instant,
        "lastAttemptInstant": last_attempt,
        "linkedObjectId": StoredEvent.user_id,
        "sequence": StoredEvent.sequence,
    }
    field, _, direction = order.strip().partition(" ")
    direction = direction.strip().upper() or "ASC"
    if field not in columns or direction not in ("ASC", "DESC"):
        errors.field("search.orderBy", "invalid", f"[{order}] is not a supported order.")
    errors.raise_if_any()
    start = start if start is not None else (now - 3_600_000) // MINUTE * MINUTE
    end = end if end is not None else -(-now // MINUTE) * MINUTE
    conditions: list[ColumnElement[bool]] = [
        StoredEvent.create_instant >= start,
        StoredEvent.create_instant <= end,
    ]
    if event_type:
        conditions.append(StoredEvent.type == event_type)
    if wanted:
        conditions.append(result == wanted)
    if text:
        pattern = "%" + text.replace("%", r"\%").replace("_", r"\_").replace("*", "%") + "%"
        body: ColumnElement[str]
        if session.get_bind().dialect.name == "postgresql":
            body = func.convert_from(StoredEvent.payload, "UTF8")
        else:
            body = cast(StoredEvent.payload, Text)
        conditions.append(body.ilike(pattern, escape="\\"))
    where = and_(*conditions)
    total = int(session.scalar(select(func.count()).select_from(StoredEvent).where(where)) or 0)
    sort = columns[field].desc() if direction == "DESC" else columns[field].asc()
    events = session.scalars(
        select(StoredEvent)
        .where(where)
        .order_by(sort, StoredEvent.sequence.desc())
        .offset(first)
        .limit(25 if count is None else count)
    )
    return [event_log_json(session, e, fanned_to) for e in events], total
