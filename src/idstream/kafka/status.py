"""What the relay is doing, for GET /api/integration/kafka/status and Prometheus (/metrics),
and replay requests. Plain functions over a Session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream.errors import Errors
from idstream.events import cursors
from idstream.events.store import StoredEvent
from idstream.jsondoc import check_type
from idstream.kafka import config as kafka_config
from idstream.kafka.models import KafkaRelayState
from idstream.kafka.relay import RELAY, read_position


def status(session: Session) -> dict[str, Any]:
    settings = kafka_config.load(session)
    state = session.get(KafkaRelayState, RELAY)
    position = read_position(session)
    pending = session.scalar(
        select(func.count()).select_from(StoredEvent).where(StoredEvent.sequence > position)
    )
    return {
        "enabled": settings.enabled,
        "connected": bool(state and state.connected) and settings.enabled,
        "pending": int(pending or 0),
        "position": position,
        "replaying": bool(state and state.replay_after is not None),
        "delivered": int(state.delivered_total or 0) if state else 0,
        "lastDeliveredEventId": state.last_delivered_event_id if state else None,
        "lastDeliveredInstant": state.last_delivered_instant if state else None,
        "lastError": state.last_error if state else None,
        "lastErrorInstant": state.last_error_instant if state else None,
        "outageSince": state.outage_since if state else None,
    }


_METRICS = (
    ("idstream_kafka_enabled", "gauge", "1 when the Kafka integration is enabled.", "enabled"),
    ("idstream_kafka_connected", "gauge", "1 when the last delivery succeeded.", "connected"),
    (
        "idstream_kafka_events_pending",
        "gauge",
        "Events not yet acknowledged by Kafka (lag).",
        "pending",
    ),
    (
        "idstream_kafka_position",
        "gauge",
        "Sequence of the last event settled by the relay.",
        "position",
    ),
    ("idstream_kafka_delivered_total", "counter", "Events acknowledged by Kafka.", "delivered"),
    (
        "idstream_kafka_last_delivered_timestamp_ms",
        "gauge",
        "When the last event was acknowledged (epoch ms).",
        "lastDeliveredInstant",
    ),
    (
        "idstream_kafka_last_error_timestamp_ms",
        "gauge",
        "When the relay last failed (epoch ms).",
        "lastErrorInstant",
    ),
)


def metrics_text(session: Session) -> str:
    """Prometheus text exposition format 0.0.4."""
    figures = status(session)
    lines = []
    for name, kind, help_text, key in _METRICS:
        value = figures.get(key)
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        lines.append(f"{name} {int(value) if value is not None else 0}")
    return "\n".join(lines) + "\n"


def request_replay(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Resend stored events from a time or a sequence; consumers deduplicate on the event id.
    The cursor itself never moves back: the relay resends up to it, then carries on."""
    errors = Errors()
    since = check_type(errors, body, "since", "since", int)
    sequence = check_type(errors, body, "sequence", "sequence", int)
    if not errors and (since is None) == (sequence is None):
        errors.general("invalid", "Give exactly one of [since] (epoch ms) or [sequence].")
    for name, value in (("since", since), ("sequence", sequence)):
        if value is not None and value < 0:
            errors.field(name, "invalid", f"The [{name}] field must not be negative.")
    errors.raise_if_any()
    if since is not None:
        first = session.scalar(
            select(func.min(StoredEvent.sequence)).where(StoredEvent.create_instant >= since)
        )
    else:
        first = session.scalar(
            select(func.min(StoredEvent.sequence)).where(StoredEvent.sequence >= (sequence or 0))
        )
    cursor = cursors.get(session, RELAY)
    state = session.get(KafkaRelayState, RELAY, with_for_update=True)
    if state is None:
        state = KafkaRelayState(name=RELAY, lease_expires_at=0)
        session.add(state)
    count = 0
    if first is not None and first <= cursor:
        after = first - 1
        if state.replay_after is not None:
            after = min(after, state.replay_after)
        state.replay_after = after
        count = int(
            session.scalar(
                select(func.count())
                .select_from(StoredEvent)
                .where(StoredEvent.sequence > after, StoredEvent.sequence <= cursor)
            )
            or 0
        )
    session.flush()
    return {"replay": {"fromSequence": first, "events": count}}
