"""The event log: write an entry (and its event-log.create event), read one, search them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.db import escape_like, get_or_not_found, order_clause, take_numbers
from idstream.errors import Errors
from idstream.eventlog.models import EventLog
from idstream.events import catalogue, store
from idstream.jsondoc import check_type

TYPES = ("Information", "Debug", "Error")
INFORMATION, DEBUG, ERROR = TYPES
COUNTER = "event_log"
DEFAULT_RESULTS = 25
MAX_RESULTS = 1000
ORDER_COLUMNS = {"id": EventLog.id, "insertInstant": EventLog.insert_instant, "type": EventLog.type}


def to_json(entry: EventLog) -> dict[str, Any]:
    return {
        "id": entry.id,
        "insertInstant": entry.insert_instant,
        "message": entry.message,
        "type": entry.type,
    }


def write(session: Session, type: str, message: str) -> EventLog:
    """Add an entry in the caller's transaction and record event-log.create with it."""
    if type not in TYPES:
        raise ValueError(f"unknown event log type {type!r}; use one of {', '.join(TYPES)}")
    entry = EventLog(
        id=take_numbers(session, COUNTER),
        insert_instant=clock.now_ms(),
        type=type,
        message=message,
    )
    session.add(entry)
    session.flush()
    store.record(session, catalogue.EVENT_LOG_CREATE, {"eventLog": to_json(entry)})
    return entry


def get(session: Session, entry_id: int) -> EventLog:
    return get_or_not_found(session, EventLog, entry_id)


@dataclass(frozen=True)
class Criteria:
    message: str | None = None
    type: str | None = None
    start: int | None = None
    end: int | None = None
    number_of_results: int = DEFAULT_RESULTS
    start_row: int = 0
    order_by: str = "insertInstant DESC"


def parse_criteria(body: dict[str, Any]) -> Criteria:
    """FusionAuth's EventLogSearchRequest: {"search": {message, type, start, end, ...}}."""
    errors = Errors()
    search = check_type(errors, body, "search", "search", dict) or {}
    message = check_type(errors, search, "message", "search.message", str)
    kind = check_type(errors, search, "type", "search.type", str)
    if kind is not None and kind not in TYPES:
        errors.field(
            "search.type",
            "invalid",
            f"[{kind}] is not an event log type; use one of {', '.join(TYPES)}.",
        )
    start = check_type(errors, search, "start", "search.start", int)
    end = check_type(errors, search, "end", "search.end", int)
    results = check_type(errors, search, "numberOfResults", "search.numberOfResults", int)
    if results is not None and not 0 < results <= MAX_RESULTS:
        errors.field(
            "search.numberOfResults",
            "invalid",
            f"The [search.numberOfResults] must be between 1 and {MAX_RESULTS}.",
        )
    start_row = check_type(errors, search, "startRow", "search.startRow", int)
    if start_row is not None and start_row < 0:
        errors.field("search.startRow", "invalid", "The [search.startRow] must not be negative.")
    order_by = check_type(errors, search, "orderBy", "search.orderBy", str)
    if order_by is not None and _order_clause(order_by) is None:
        allowed = ", ".join(ORDER_COLUMNS)
        errors.field(
            "search.orderBy",
            "invalid",
            f"[{order_by}] is not a sort order; use one of {allowed}, then ASC or DESC.",
        )
    errors.raise_if_any()
    return Criteria(
        message=message or None,
        type=kind,
        start=start,
        end=end,
        number_of_results=results or DEFAULT_RESULTS,
        start_row=start_row or 0,
        order_by=order_by or "insertInstant DESC",
    )


def search(session: Session, criteria: Criteria) -> tuple[list[EventLog], int]:
    """The page of matching entries and how many match in all."""
    query = select(EventLog)
    if criteria.message:
        # FusionAuth's match is a case-insensitive contains; '*' is its wildcard.
        pattern = "%" + escape_like(criteria.message).replace("*", "%") + "%"
        query = query.where(func.lower(EventLog.message).like(pattern.lower(), escape="\\"))
    if criteria.type:
        query = query.where(EventLog.type == criteria.type)
    if criteria.start is not None:
        query = query.where(EventLog.insert_instant >= criteria.start)
    if criteria.end is not None:
        query = query.where(EventLog.insert_instant <= criteria.end)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = _order_clause(criteria.order_by)
    assert order is not None
    rows = session.scalars(
        query.order_by(*order).offset(criteria.start_row).limit(criteria.number_of_results)
    )
    return list(rows), total


def _order_clause(order_by: str) -> tuple[Any, ...] | None:
    # Entries written in the same millisecond still come back in a stable order.
    return order_clause(order_by, ORDER_COLUMNS, tie=EventLog.id)
