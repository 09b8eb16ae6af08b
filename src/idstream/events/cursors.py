"""Positions of the consumers that follow the event store (the webhook fan-out, the Kafka
relay, ...). Retention prunes only events every consumer has passed."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from idstream.db import Base


class EventCursor(Base):
    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The last sequence this consumer has fully handled; it resumes after it.
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)


def get(session: Session, name: str) -> int:
    """The consumer's position: the last sequence it has handled (0 before its first)."""
    value = session.scalar(select(EventCursor.sequence).where(EventCursor.name == name))
    return 0 if value is None else int(value)


def lock(session: Session, name: str) -> int:
    """Like get(), keeping the cursor's row locked until commit (created if need be), so
    that two instances never follow the same stretch of events at once."""
    query = select(EventCursor.sequence).where(EventCursor.name == name).with_for_update()
    value = session.scalar(query)
    if value is None:
        try:
            with session.begin_nested():
                session.add(EventCursor(name=name, sequence=0))
        except IntegrityError:
            pass  # another instance created it first; the lock below waits for it
        value = session.scalar(query)
    return int(value or 0)


def advance(session: Session, name: str, sequence: int) -> None:
    """Move the consumer to `sequence`; a cursor never moves back."""
    cursor = session.get(EventCursor, name)
    if cursor is None:
        session.add(EventCursor(name=name, sequence=sequence))
    elif sequence > cursor.sequence:
        cursor.sequence = sequence
    session.flush()


# Every consumer that follows the store. Until each has a position, nothing may be pruned: a
# consumer that has not started yet (a relay that never reached Kafka) must still find every
# event it is owed.
WEBHOOK_FANOUT = "webhooks"
KAFKA_RELAY = "kafka"
FOLLOWERS = (WEBHOOK_FANOUT, KAFKA_RELAY)


def minimum(session: Session) -> int | None:
    """The position of the slowest follower, or None while any follower has no cursor yet."""
    rows = session.execute(
        select(EventCursor.name, EventCursor.sequence).where(EventCursor.name.in_(FOLLOWERS))
    ).all()
    if len(rows) < len(FOLLOWERS):
        return None
    return min(int(row.sequence) for row in rows)
