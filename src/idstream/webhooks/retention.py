"""Retention of the event store: events older than settings.event_retention_days go once
every consumer (the webhook fan-out, the Kafka relay, ...) has passed them and no webhook
still waits for them."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from idstream.events import cursors
from idstream.events.store import StoredEvent
from idstream.webhooks.models import PENDING, SENDING, WebhookAttempt, WebhookDelivery


def prune(session: Session, now: int, retention_days: float, batch: int = 1000) -> int:
    """Delete events older than the retention that every consumer has passed and no webhook
    still waits for, with their deliveries and attempts."""
    floor = cursors.minimum(session)
    if floor is None:
        return 0
    cutoff = now - int(retention_days * 86_400_000)
    owed = exists().where(
        WebhookDelivery.event_id == StoredEvent.id,
        WebhookDelivery.status.in_((PENDING, SENDING)),
    )
    old = session.execute(
        select(StoredEvent.sequence, StoredEvent.id)
        .where(StoredEvent.create_instant < cutoff, StoredEvent.sequence <= floor, ~owed)
        .order_by(StoredEvent.sequence)
        .limit(batch)
    ).all()
    if not old:
        return 0
    ids = [row.id for row in old]
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.event_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
    session.execute(delete(StoredEvent).where(StoredEvent.sequence.in_([r.sequence for r in old])))
    return len(old)
