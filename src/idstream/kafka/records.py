"""What one stored event becomes on a Kafka topic: key, headers, value and timestamp, in
FusionAuth's format (the stored `{"event": {...}}` bytes) or CloudEvents 1.0 binary mode."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import Producer

ENVELOPE_START = b'{"event":'
log = logging.getLogger("idstream.kafka.librdkafka")


class StoredEvent(Protocol):
    """A stored event's columns: an ORM row or a plain result row (the relay reads rows,
    which is several times faster for large batches)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def tenant_id(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def create_instant(self) -> int: ...
    @property
    def payload(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Record:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp: int


def key_for(event: StoredEvent, mode: str) -> bytes | None:
    """The user's id keeps a user's events in one partition, hence in order."""
    if mode == "none":
        return None
    if mode == "user" and event.user_id:
        return event.user_id.encode()
    return event.tenant_id.encode() if event.tenant_id else None


def event_object(payload: bytes) -> bytes:
    """The `{...}` inside the stored envelope, without parsing: rendering is canonical, so the
    envelope is exactly `{"event":` + object + `}`."""
    if payload.startswith(ENVELOPE_START) and payload.endswith(b"}"):
        return payload[len(ENVELOPE_START) : -1]
    raise ValueError('stored event payload is not an {"event": ...} envelope')


def _rfc3339(epoch_ms: int) -> str:
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_for(event: StoredEvent, key_mode: str, format: str) -> Record:
    headers = [("eventId", event.id.encode()), ("eventType", event.type.encode())]
    if event.tenant_id:
        headers.append(("tenantId", event.tenant_id.encode()))
    value = event.payload
    if format == "cloudevents":
        # Kafka protocol binding, binary mode: attributes in ce_ headers, data as the value.
        headers += [
            ("ce_specversion", b"1.0"),
            ("ce_id", event.id.encode()),
            (
                "ce_source",
                b"/idstream" + (f"/tenants/{event.tenant_id}".encode() if event.tenant_id else b""),
            ),
            ("ce_type", event.type.encode()),
            ("ce_time", _rfc3339(event.create_instant).encode()),
            ("content-type", b"application/json"),
        ]
        if event.user_id:
            headers.append(("ce_subject", event.user_id.encode()))
        value = event_object(event.payload)
    return Record(key_for(event, key_mode), value, headers, event.create_instant)


def build_producer(config: dict[str, str], error_cb: Any = None) -> Producer:
    """A confluent-kafka producer on the translated configuration. librdkafka's own log lines
    go to Python logging (they never carry secrets)."""
    settings: dict[str, Any] = {
        # By default a topic is never created: a typo in a topic name is an error to report.
        # Properties that set allow.auto.create.topics=true on purpose come after and win.
        "allow.auto.create.topics": "false",
        **config,
        "logger": log,
    }
    if error_cb is not None:
        settings["error_cb"] = error_cb
    return Producer(settings)
