"""`idstream events tail|replay` as an operator runs them: the installed console script on the
test's database (SQLite and PostgreSQL), the real broker for Kafka replays."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream import clock as idstream_clock
from idstream.db import Database
from idstream.events import catalogue, store
from idstream.events.catalogue import EventType
from idstream.webhooks.models import PENDING, WebhookDelivery
from tests.integration.kafka_helpers import enable_kafka
from tests.integration.test_cli_kafka import (
    IDSTREAM,
    drain_relay,
    one_line_error,
    run,
    skip_to_end,
)
from tests.kafka_fixtures import Broker
from tests.receivers import FakeClock, webhook_json

TENANT_A = "a0000000-0000-0000-0000-00000000000a"
TENANT_B = "b0000000-0000-0000-0000-00000000000b"


def record(
    database: Database, event_type: EventType, tenant_id: str | None = TENANT_A, **subject: Any
) -> store.PendingEvent:
    with database.unit_of_work() as session:
        return store.record(
            session, event_type, subject or {"user": {"id": "u"}}, tenant_id=tenant_id
        )


def sequence_of(database: Database, event_id: str) -> int:
    with database.read() as session:
        found = session.scalar(
            select(store.StoredEvent.sequence).where(store.StoredEvent.id == event_id)
        )
        assert found is not None
        return int(found)


def env_for(database: Database) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTREAM_", "FUSIONAUTH_"))}
    env["IDSTREAM_DATABASE_URL"] = database.url
    return env


@pytest.fixture
def tail(database: Database) -> Iterator[Any]:
    """tail(*args) -> a running `events tail` that has reported where it follows from."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [IDSTREAM, "events", "tail", "--format", "json", "--interval-ms", "50", *args],
            env=env_for(database),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stderr is not None
        ready = process.stderr.readline()
        assert ready.startswith("Following events after sequence"), ready
        return process

    yield start
    for process in processes:
        process.kill()
        process.wait()


def add_webhook(client: TestClient, *events: str) -> str:
    response = client.post("/api/webhook", json=webhook_json("http://127.0.0.1:9/hook", *events))
    assert response.status_code == 200, response.text
    return str(response.json()["webhook"]["id"])


def pending_deliveries(database: Database, webhook_id: str) -> list[str]:
    with database.read() as session:
        rows = session.scalars(
            select(WebhookDelivery.event_id)
            .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == PENDING)
            .order_by(WebhookDelivery.event_sequence)
        )
        return list(rows)


# --- tail -----------------------------------------------------------------------------


def test_tail_prints_new_events_matching_the_type_pattern_in_order(
    database: Database, tail: Any
) -> None:
    process = tail("--type", "user.*", "--max-events", "2")
    created = record(database, catalogue.USER_CREATE)
    record(database, catalogue.AUDIT_LOG_CREATE, None, auditLog={"message": "not a user event"})
    deleted = record(database, catalogue.USER_DELETE)

    out, err = process.communicate(timeout=20)

    assert process.returncode == 0, err
    printed = [json.loads(line)["event"] for line in out.splitlines()]
    assert [(e["id"], e["type"]) for e in printed] == [
        (created.id, "user.create"),
        (deleted.id, "user.delete"),
    ]
    assert err.strip() == "Printed a total of 2 events"


def test_tail_prints_only_the_given_tenants_events(database: Database, tail: Any) -> None:
    process = tail("--tenant", TENANT_A, "--max-events", "1")
    record(database, catalogue.USER_CREATE, TENANT_B)
    mine = record(database, catalogue.USER_CREATE, TENANT_A)

    out, err = process.communicate(timeout=20)

    assert process.returncode == 0, err
    assert [json.loads(line)["event"]["id"] for line in out.splitlines()] == [mine.id]


# --- replay to a webhook ------------------------------------------------------------------


def test_replay_to_a_webhook_requeues_the_events_it_subscribes_to(
    client: TestClient, database: Database
) -> None:
    webhook_id = add_webhook(client, "user.create")
    first = record(database, catalogue.USER_CREATE)
    record(database, catalogue.USER_DELETE)
    second = record(database, catalogue.USER_CREATE)

    done = run(
        "events", "replay", "--sequence", str(sequence_of(database, first.id)),
        "--to", "webhook", webhook_id, database=database,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Re-queued 2 events for webhook {webhook_id}."
    assert pending_deliveries(database, webhook_id) == [first.id, second.id]


def test_replay_since_an_iso_8601_time_takes_only_later_events(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook_id = add_webhook(client, "user.create")
    clock = FakeClock(1_767_225_600_000)  # 2026-01-01T00:00:00Z
    monkeypatch.setattr(idstream_clock, "now_ms", clock.now_ms)
    record(database, catalogue.USER_CREATE)
    clock.advance(3600)
    later = record(database, catalogue.USER_CREATE)

    done = run(
        "events", "replay", "--since", "2026-01-01T00:30:00Z", "--to", "webhook", webhook_id,
        database=database,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert pending_deliveries(database, webhook_id) == [later.id]


def test_replay_to_an_unknown_webhook_fails_in_one_line(database: Database) -> None:
    missing = "00000000-0000-0000-0000-000000000099"

    done = run("events", "replay", "--sequence", "1", "--to", "webhook", missing, database=database)

    assert one_line_error(done) == f"error: no webhook with id [{missing}]"


def test_replay_with_an_unreadable_time_fails_in_one_line() -> None:
    done = run("events", "replay", "--since", "yesterday-ish")

    assert one_line_error(done).startswith("error: --since must be ISO-8601")


def test_replay_needs_since_or_sequence() -> None:
    done = run("events", "replay", "--to", "kafka")

    assert one_line_error(done) == "error: give exactly one of --since or --sequence"


# --- replay to Kafka ----------------------------------------------------------------------


def test_replay_to_kafka_sends_the_events_again_in_order(
    client: TestClient, database: Database, kafka_broker: Broker, topic: str, consumer: Any
) -> None:
    skip_to_end(database)
    enable_kafka(client, kafka_broker.plaintext, topic, max_block_ms=5000)
    events = [record(database, catalogue.USER_CREATE, user={"id": f"u{n}"}) for n in range(3)]
    drain_relay(database)
    first = sequence_of(database, events[0].id)
    sent = [r.value for r in consumer(topic, 3, timeout=10)]

    done = run("events", "replay", "--sequence", str(first), "--to", "kafka", database=database)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Replayed 3 events to Kafka from sequence {first}."
    records = consumer(topic, 6, timeout=15)
    assert [r.value for r in records] == sent + sent
    assert [json.loads(v)["event"]["id"] for v in sent] == [e.id for e in events]


def test_replay_to_kafka_when_the_integration_is_off_fails_in_one_line(
    database: Database,
) -> None:
    record(database, catalogue.USER_CREATE)

    done = run("events", "replay", "--since", "0", "--to", "kafka", database=database)

    assert one_line_error(done) == (
        "error: the Kafka integration is not enabled; nothing would be sent"
    )


def test_iso_time_without_offset_is_utc() -> None:
    from idstream.events.cli import parse_time

    moment = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
    assert parse_time("2026-01-31T09:00:00") == int(moment.timestamp() * 1000)
