"""The Kafka relay: follows the event store in sequence order and produces each event with an
idempotent producer, moving its cursor only past the contiguous prefix Kafka acknowledged.

Kafka down or misconfigured means a growing lag, never a lost event, and never a slow or
failed API call: the relay is a worker (run_once), outside every request. One relay per
database produces at a time (a lease row); others stand by. The saved configuration is read
on every pass, so a change takes effect without a restart."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idstream.db import Database
from idstream.eventlog import service as eventlog
from idstream.events import catalogue, cursors, store
from idstream.events.cursors import EventCursor
from idstream.events.store import StoredEvent
from idstream.kafka import config as kafka_config
from idstream.kafka import properties
from idstream.kafka.config import KafkaSettings
from idstream.kafka.models import KafkaRelayState
from idstream.kafka.records import build_producer, record_for
from idstream.webhooks.routing import tenant_has_webhook_for

log = logging.getLogger(__name__)
RELAY = cursors.KAFKA_RELAY
PENDING, DELIVERED, SKIPPED, FAILED = "pending", "delivered", "skipped", "failed"
# Java's delivery.timeout.ms default: how long librdkafka retries one event before the relay
# takes it back and sends it again from the store.
DEFAULT_MESSAGE_TIMEOUT_MS = "120000"
EVENT_COLUMNS = (
    StoredEvent.sequence,
    StoredEvent.id,
    StoredEvent.type,
    StoredEvent.tenant_id,
    StoredEvent.user_id,
    StoredEvent.create_instant,
    StoredEvent.payload,
)


@dataclass(slots=True)
class Slot:
    sequence: int
    event_id: str
    state: str = PENDING
    error: str | None = None

    def delivered(self, error: KafkaError | None, _message: Any) -> None:
        if error is None:
            self.state = DELIVERED
        elif error.code() in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT):
            # Taken back by idstream itself (new configuration): sent again, not a failure.
            return
        else:
            self.state, self.error = FAILED, error.str()


def read_position(session: Session) -> int:
    """Where the relay resumes: its cursor, or the replay point while a replay runs. Reads
    only (cursors.get would create the row, which a read-only session must not)."""
    cursor = session.scalar(select(EventCursor.sequence).where(EventCursor.name == RELAY)) or 0
    state = session.get(KafkaRelayState, RELAY)
    if state is not None and state.replay_after is not None:
        return min(state.replay_after, cursor)
    return int(cursor)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class KafkaRelay:
    name = "kafka-relay"

    def __init__(
        self,
        db: Database,
        *,
        owner: str | None = None,
        batch_size: int = 5000,
        wait_seconds: float = 1.0,
        lease_ms: int = 30_000,
        batches_per_pass: int = 4,
    ) -> None:
        self.db = db
        self.owner = owner or default_owner()
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.lease_ms = lease_ms
        self.batches_per_pass = batches_per_pass
        self._producer: Any = None
        self._fingerprint: str | None = None
        self._batch: list[Slot] = []
        self._errors: list[KafkaError] = []
        self._pending_records: list[tuple[Slot, str, Any]] = []

    # --- the pass ---------------------------------------------------------------------

    def run_once(self, now: int) -> int:
        if not self._hold_lease(now):
            self.close()
            return 0
        with self.db.read() as session:
            settings = kafka_config.load(session)
        if not settings.enabled:
            self.close()
            self._skip_to_end()
            return 0
        translation = properties.translate(settings.producer, properties.PRODUCER)
        if not translation.ok:
            self.close()
            self._failed(
                now,
                "the producer properties are not valid: "
                + "; ".join(str(e) for e in translation.errors),
            )
            return 0
        if self._fingerprint != settings.fingerprint:
            done = self._rebuild(now, translation.config, settings.fingerprint)
            if self._producer is None:
                return done
        if not self._batch:
            self._read_and_produce(settings)
            if not self._batch:
                return 0
        return self._collect(now)

    def close(self) -> None:
        """Drop the producer; an unfinished batch is simply read again from the store."""
        if self._producer is not None:
            self._producer.purge()
            self._producer.flush(0)
        self._producer, self._fingerprint, self._batch = None, None, []

    def stop(self) -> None:
        self.release()

    def release(self) -> None:
        """Close and give the lease up at once, so that another instance need not wait for
        it to expire (a clean shutdown)."""
        self.close()
        with self.db.unit_of_work() as session:
            state = self._state(session)
            if state is not None:
                state.owner, state.lease_expires_at = None, 0

    # --- lease ------------------------------------------------------------------------

    def _hold_lease(self, now: int) -> bool:
        try:
            with self.db.unit_of_work() as session:
                state = session.get(KafkaRelayState, RELAY, with_for_update=True)
                if state is None:
                    session.add(
                        KafkaRelayState(
                            name=RELAY, owner=self.owner, lease_expires_at=now + self.lease_ms
                        )
                    )
                    return True
                if state.owner not in (None, self.owner) and state.lease_expires_at > now:
                    return False
                state.owner, state.lease_expires_at = self.owner, now + self.lease_ms
                return True
        except IntegrityError:
            return False

    def _state(self, session: Session) -> KafkaRelayState | None:
        """The state row, locked, if this relay still holds the lease."""
        state = session.get(KafkaRelayState, RELAY, with_for_update=True)
        return state if state is not None and state.owner == self.owner else None

    # --- reading and producing --------------------------------------------------------

    def _position(self, session: Session) -> int:
        return read_position(session)

    def _read_and_produce(self, settings: KafkaSettings) -> None:
        """Several batches per pass: librdkafka sends one batch on its own threads while the
        next is read from the store, so reading and sending overlap."""
        after: int | None = None
        for _ in range(self.batches_per_pass):
            batch = self._read_batch(settings, after)
            self._batch += batch
            self._produce(settings)
            if len(batch) < self.batch_size:
                return
            after = batch[-1].sequence

    def _read_batch(self, settings: KafkaSettings, after: int | None) -> list[Slot]:
        with self.db.read() as session:
            start = self._position(session) if after is None else after
            events = session.execute(
                select(*EVENT_COLUMNS)
                .where(StoredEvent.sequence > start)
                .order_by(StoredEvent.sequence)
                .limit(self.batch_size)
            ).all()
            webhook_cache: dict[tuple[str, str], bool] = {}
            slots = []
            self._pending_records = []
            for event in events:
                slot = Slot(event.sequence, event.id)
                if not self._wanted(session, settings, event, webhook_cache):
                    slot.state = SKIPPED
                else:
                    topic = settings.topic_for(event.type) or ""
                    record = record_for(event, settings.key, settings.format)
                    self._pending_records.append((slot, topic, record))
                slots.append(slot)
        return slots

    def _wanted(self, session: Session, settings: KafkaSettings, event: Any, cache: dict) -> bool:
        if not settings.event_enabled(event.type):
            return False
        event_type = catalogue.lookup(event.type)
        is_tenant_event = event_type is not None and event_type.is_tenant_event
        if is_tenant_event and settings.tenant_events_require_webhook and event.tenant_id:
            key = (event.tenant_id, event.type)
            if key not in cache:
                cache[key] = tenant_has_webhook_for(session, event.tenant_id, event.type)
            return cache[key]
        return True

    def _produce(self, settings: KafkaSettings) -> None:
        for slot, topic, record in self._pending_records:
            while True:
                try:
                    self._producer.produce(
                        topic,
                        value=record.value,
                        key=record.key,
                        headers=record.headers,
                        timestamp=record.timestamp,
                        on_delivery=slot.delivered,
                    )
                    break
                except BufferError:
                    self._producer.poll(0.05)
                except KafkaException as error:
                    slot.state, slot.error = FAILED, error.args[0].str()
                    break
        self._pending_records = []

    def _collect(self, now: int) -> int:
        """Serve delivery reports for up to wait_seconds; settle the batch once every event
        has its report, else leave it in flight for the next pass."""
        self._producer.flush(self.wait_seconds)
        fatal = next((e for e in self._errors if e.fatal()), None)
        if fatal is not None:
            return self._rebuild(now, None, None, reason=f"fatal producer error: {fatal.str()}")
        if any(slot.state == PENDING for slot in self._batch):
            if self._errors:
                self._failed(now, self._errors[-1].str())
            self._errors.clear()
            return 0
        self._errors.clear()
        return self._settle(now)

    def _rebuild(
        self,
        now: int,
        config: dict[str, str] | None,
        fingerprint: str | None,
        reason: str | None = None,
    ) -> int:
        """A new producer (first pass, changed configuration, fatal idempotence error): the
        old one's undelivered events are taken back and sent again from the position."""
        settled = 0
        if self._producer is not None:
            self._producer.purge()
            self._producer.flush(0)
            settled = self._settle(now, reason)
        self._producer, self._fingerprint, self._batch = None, None, []
        self._errors = []
        if config is None:
            return settled
        conf = {"message.timeout.ms": DEFAULT_MESSAGE_TIMEOUT_MS, **config}
        try:
            self._producer = build_producer(conf, error_cb=self._errors.append)
        except KafkaException as error:
            self._failed(now, f"the producer could not be created: {error.args[0].str()}")
            return settled
        self._fingerprint = fingerprint
        return settled

    # --- settling ---------------------------------------------------------------------

    def _settle(self, now: int, reason: str | None = None) -> int:
        batch, self._batch = self._batch, []
        prefix: list[Slot] = []
        for slot in batch:
            if slot.state not in (DELIVERED, SKIPPED):
                break
            prefix.append(slot)
        failed = next((s for s in batch if s.state == FAILED), None)
        problem = reason or (
            f"event {failed.event_id} was not delivered: {failed.error}" if failed else None
        )
        with self.db.unit_of_work() as session:
            state = self._state(session)
            if state is None:
                return 0
            if prefix:
                self._advance(session, state, prefix[-1].sequence)
            delivered = [s for s in prefix if s.state == DELIVERED]
            if delivered:
                state.last_delivered_event_id = delivered[-1].event_id
                state.last_delivered_sequence = delivered[-1].sequence
                state.last_delivered_instant = now
                state.delivered_total = (state.delivered_total or 0) + len(delivered)
                state.connected = True
            if problem is not None:
                self._record_failure(session, state, now, problem)
            elif len(prefix) == len(batch):
                state.outage_since = None
        return len(prefix)

    def _advance(self, session: Session, state: KafkaRelayState, sequence: int) -> None:
        if state.replay_after is None:
            cursors.advance(session, RELAY, sequence)
            return
        state.replay_after = sequence
        if sequence >= cursors.get(session, RELAY):
            cursors.advance(session, RELAY, sequence)
            state.replay_after = None

    def _skip_to_end(self) -> None:
        with self.db.unit_of_work() as session:
            state = self._state(session)
            if state is None:
                return
            cursors.advance(session, RELAY, store.last_sequence(session))
            state.replay_after = None
            state.connected = False

    def _failed(self, now: int, message: str) -> None:
        with self.db.unit_of_work() as session:
            state = self._state(session)
            if state is not None:
                self._record_failure(session, state, now, message)

    def _record_failure(
        self, session: Session, state: KafkaRelayState, now: int, message: str
    ) -> None:
        """One event log entry per outage: the first failure writes it, later ones (every
        retry, every waiting event) only update the status."""
        state.last_error = message[:2000]
        state.last_error_instant = now
        state.connected = False
        if state.outage_since is not None:
            return
        state.outage_since = now
        log.warning("Kafka relay: %s", message)
        eventlog.write(
            session,
            eventlog.ERROR,
            f"Kafka integration: {message}\n\nEvents wait in the event store and are sent, in "
            "order, once Kafka accepts them.",
        )
