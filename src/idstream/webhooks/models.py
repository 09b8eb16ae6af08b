"""Webhook configuration, one delivery row per (event, webhook), one row per attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base
from idstream.events import cursors

PENDING = "pending"
SENDING = "sending"  # claimed by a dispatcher; next_attempt_at is then the end of its lease
SUCCEEDED = "succeeded"
FAILED = "failed"  # a non-retryable answer, or retries gave up

# The event_cursors row of the fan-out: the last event sequence turned into deliveries.
FANOUT_CURSOR = cursors.WEBHOOK_FANOUT

SUCCESS = "Success"
FAILURE = "Failure"


class Webhook(Base):
    """FusionAuth's Webhook object as a JSON document (the password included: it is needed to
    call the receiver, and never returned)."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)


class WebhookDelivery(Base):
    """Delivery state of one event to one webhook, kept as data so that any dispatcher, after
    any restart, carries on where the last one stopped."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id", name="uq_webhook_deliveries_event_webhook"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_sequence: Mapped[int] = mapped_column(BigInteger, index=True)
    webhook_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger)
    give_up_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    last_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(1000))


class WebhookAttempt(Base):
    """One HTTP call to a webhook: FusionAuth's WebhookAttemptLog."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    webhook_id: Mapped[str] = mapped_column(String(36), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    start_instant: Mapped[int] = mapped_column(BigInteger)
    end_instant: Mapped[int] = mapped_column(BigInteger)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))
    result: Mapped[str] = mapped_column(String(16))
