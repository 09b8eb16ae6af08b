"""The event store: one row per recorded event, numbered in commit order, its JSON rendered once.

Services call record() inside their unit of work. The rows are written just before commit,
when the sequence numbers are taken, so the counter's row lock is held only for the commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from idstream import clock
from idstream.db import RECORDED_KEY, Base, new_id, take_numbers
from idstream.events.catalogue import EventType
from idstream.events.rendering import render_event

PENDING_KEY = "idstream.pending_events"
EVENT_COUNTER = "events"


class StoredEvent(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_create_instant", "create_instant"),)

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # The user the event is about, if any: the default Kafka key, so a user's events stay
    # in one partition and in order.
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    create_instant: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


@dataclass
class PendingEvent:
    """An event recorded in the current transaction, not yet numbered."""

    id: str
    type: EventType
    tenant_id: str | None
    user_id: str | None
    create_instant: int
    body: dict[str, Any]
    payload: bytes


def record(
    session: Session,
    event_type: EventType,
    subject: dict[str, Any],
    *,
    tenant_id: str | None = None,
    user_id: str | None = None,
    info: dict[str, Any] | None = None,
) -> PendingEvent:
    """Record an event in the session's transaction. `subject` holds the type's own fields
    (user, original, auditLog, ...), already plain JSON values."""
    event_id = new_id()
    created = clock.now_ms()
    body: dict[str, Any] = {
        **subject,
        "createInstant": created,
        "id": event_id,
        "info": info or None,
        "tenantId": tenant_id if event_type.is_tenant_event else None,
        "type": event_type.name,
    }
    pending = PendingEvent(
        id=event_id,
        type=event_type,
        tenant_id=tenant_id if event_type.is_tenant_event else None,
        user_id=user_id,
        create_instant=created,
        body=body,
        payload=render_event(body),
    )
    session.info.setdefault(PENDING_KEY, []).append(pending)
    return pending


def pending_events(session: Session) -> list[PendingEvent]:
    return list(session.info.get(PENDING_KEY, []))


@event.listens_for(Session, "before_commit")
def _write_pending_events(session: Session) -> None:
    pending: list[PendingEvent] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    first = take_numbers(session, EVENT_COUNTER, len(pending))
    for offset, item in enumerate(pending):
        session.add(
            StoredEvent(
                sequence=first + offset,
                id=item.id,
                type=item.type.name,
                tenant_id=item.tenant_id,
                user_id=item.user_id,
                create_instant=item.create_instant,
                payload=item.payload,
            )
        )
    session.flush()
    session.info[RECORDED_KEY] = len(pending)


@event.listens_for(Session, "after_rollback")
def _forget_pending_events(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def last_sequence(session: Session) -> int:
    return int(
        session.scalar(select(StoredEvent.sequence).order_by(StoredEvent.sequence.desc()).limit(1))
        or 0
    )


def read_after(session: Session, sequence: int, limit: int) -> list[StoredEvent]:
    return list(
        session.scalars(
            select(StoredEvent)
            .where(StoredEvent.sequence > sequence)
            .order_by(StoredEvent.sequence)
            .limit(limit)
        )
    )
