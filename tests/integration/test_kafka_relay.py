"""The Kafka relay against the real broker, driven by run_once: what it sends (key, headers,
timestamp, bytes), routing, formats, filters, replay, hot reconfiguration, the lease, and a
Kafka it cannot reach."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idstream import clock
from idstream.db import Database
from idstream.eventlog.models import EventLog
from idstream.events import catalogue, cursors, store
from idstream.kafka.relay import RELAY, KafkaRelay
from tests.integration.kafka_helpers import drain, enable_kafka
from tests.kafka_fixtures import Broker, create_topic
from tests.receivers import webhook_json

pytestmark = pytest.mark.kafka
TENANT = "2671a63f-084c-4434-9465-fde65b8845ee"
USER = "7e512f97-79f7-42e5-891f-a2383ed3460c"
UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1


def record(
    database: Database,
    event_type: catalogue.EventType = catalogue.USER_CREATE,
    tenant_id: str | None = TENANT,
    user_id: str | None = USER,
) -> str:
    with database.unit_of_work() as session:
        subject = {"user": {"id": user_id}} if user_id else {"auditLog": {"id": 1}}
        return store.record(session, event_type, subject, tenant_id=tenant_id, user_id=user_id).id


def position(database: Database) -> int:
    with database.read() as session:
        return cursors.get(session, RELAY)


def last_sequence(database: Database) -> int:
    with database.read() as session:
        return store.last_sequence(session)


@pytest.fixture
def relay(database: Database) -> Any:
    worker = KafkaRelay(database, wait_seconds=0.5)
    yield worker
    worker.close()


def test_events_arrive_in_order_with_user_key_headers_and_timestamp(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    ids = [record(database) for _ in range(3)]
    drain(relay, database)
    received = consumer(topic, 3)
    assert [r.headers["eventId"].decode() for r in received] == ids
    first = received[0]
    assert first.key == USER.encode()
    assert first.headers["eventType"] == b"user.create"
    assert first.headers["tenantId"] == TENANT.encode()
    event = first.json()["event"]
    assert event["id"] == ids[0] and first.timestamp == event["createInstant"]
    with database.read() as session:
        stored = session.scalar(select(store.StoredEvent).where(store.StoredEvent.id == ids[0]))
        assert stored is not None and first.value == stored.payload


@pytest.mark.parametrize(
    ("mode", "user_id", "expected"),
    [("user", USER, USER), ("user", None, TENANT), ("tenant", USER, TENANT), ("none", USER, None)],
)
def test_key_modes(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
    mode: str,
    user_id: str | None,
    expected: str | None,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, key=mode)
    record(database, user_id=user_id)
    drain(relay, database)
    [received] = consumer(topic, 1)
    assert received.key == (expected.encode() if expected else None)


def test_system_events_have_no_key_and_no_tenant_header(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    record(database, catalogue.AUDIT_LOG_CREATE, tenant_id=None, user_id=None)
    drain(relay, database)
    [received] = consumer(topic, 1)
    assert received.key is None and "tenantId" not in received.headers


def test_topics_route_exact_types_and_prefix_patterns(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    logins, creates = f"{topic}-logins", f"{topic}-creates"
    create_topic(kafka_broker, logins)
    create_topic(kafka_broker, creates)
    enable_kafka(
        client,
        kafka_broker.plaintext,
        topic,
        topics={"user.login.*": logins, "user.create": creates},
    )
    record(database, catalogue.USER_LOGIN_SUCCESS)
    record(database, catalogue.USER_CREATE)
    record(database, catalogue.USER_UPDATE)
    drain(relay, database)
    assert consumer(logins, 1)[0].headers["eventType"] == b"user.login.success"
    assert consumer(creates, 1)[0].headers["eventType"] == b"user.create"
    assert consumer(topic, 1)[0].headers["eventType"] == b"user.update"


def test_cloudevents_binary_mode(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, format="cloudevents")
    event_id = record(database)
    drain(relay, database)
    [received] = consumer(topic, 1)
    assert received.headers["ce_specversion"] == b"1.0"
    assert received.headers["ce_id"] == event_id.encode()
    assert received.headers["ce_type"] == b"user.create"
    assert received.headers["ce_source"].startswith(b"/idstream")
    assert received.headers["content-type"] == b"application/json"
    data = json.loads(received.value)
    assert data["id"] == event_id and "event" not in data


def test_events_disabled_in_events_enabled_are_skipped(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, eventsEnabled={"user.update": False})
    record(database, catalogue.USER_UPDATE)
    record(database, catalogue.USER_CREATE)
    drain(relay, database)
    received = consumer(topic, 2, timeout=5)
    assert [r.headers["eventType"] for r in received] == [b"user.create"]


def test_tenant_events_need_a_webhook_only_when_configured(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
    default_tenant_id: str,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, tenantEventsRequireWebhook=True)
    record(database, catalogue.USER_CREATE, tenant_id=default_tenant_id)
    webhook = webhook_json(
        "https://hooks.example.com/noop", "user.update", tenant_ids=[default_tenant_id]
    )
    assert client.post("/api/webhook", json=webhook).status_code == 200
    record(database, catalogue.USER_UPDATE, tenant_id=default_tenant_id)
    record(database, catalogue.AUDIT_LOG_CREATE, tenant_id=None, user_id=None)
    drain(relay, database)
    received = consumer(topic, 3, timeout=5)
    assert [r.headers["eventType"] for r in received] == [b"user.update", b"audit-log.create"]


def test_replay_sends_stored_events_again_from_a_sequence(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    ids = [record(database) for _ in range(3)]
    drain(relay, database)
    second = last_sequence(database) - 1
    response = client.post("/api/integration/kafka/replay", json={"sequence": second})
    assert response.status_code == 200, response.text
    assert response.json()["replay"]["events"] == 2
    for _ in range(20):
        relay.run_once(clock.now_ms())
        if not client.get("/api/integration/kafka/status").json()["status"]["replaying"]:
            break
    received = consumer(topic, 5)
    assert [r.headers["eventId"].decode() for r in received] == ids + ids[1:]


def test_replay_needs_since_or_sequence(client: TestClient) -> None:
    response = client.post("/api/integration/kafka/replay", json={})
    assert response.status_code == 400


def test_a_saved_change_takes_effect_without_a_restart(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    record(database)
    drain(relay, database)
    other = f"{topic}-b"
    create_topic(kafka_broker, other)
    patch = {"integrations": {"kafka": {"defaultTopic": other, "key": "none"}}}
    assert client.patch("/api/integration", json=patch).status_code == 200
    record(database)
    drain(relay, database)
    [moved] = consumer(other, 1)
    assert moved.key is None


def test_disabled_integration_sends_nothing_and_keeps_up(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, enabled=False)
    record(database)
    relay.run_once(clock.now_ms())
    assert position(database) == last_sequence(database)
    assert consumer(topic, 1, timeout=3) == []


def test_a_second_relay_stands_by_until_the_lease_expires(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    now = clock.now_ms()
    relay.run_once(now)
    record(database)
    standby = KafkaRelay(database, wait_seconds=0.5, lease_ms=30_000)
    try:
        assert standby.run_once(now + 1000) == 0
        assert position(database) < last_sequence(database)
        for step in range(20):
            standby.run_once(now + 31_000 + step)
            if position(database) >= last_sequence(database):
                break
        assert consumer(topic, 1)[0].headers["eventType"] == b"user.create"
    finally:
        standby.close()


def test_unreachable_kafka_keeps_events_writes_one_error_then_delivers_all(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, UNREACHABLE, topic)
    ids = [record(database) for _ in range(5)]
    for _ in range(4):
        assert relay.run_once(clock.now_ms()) == 0
    assert position(database) == 0
    status = client.get("/api/integration/kafka/status").json()["status"]
    # The five events and the event log entry of the outage all wait in the store.
    assert status["pending"] == 6 and status["connected"] is False and status["lastError"]
    with database.read() as session:
        errors = session.scalar(select(func.count()).select_from(EventLog))
    assert errors == 1
    enable_kafka(client, kafka_broker.plaintext, topic)
    drain(relay, database)
    received = consumer(topic, 6)
    assert [r.headers["eventId"].decode() for r in received][:5] == ids
    assert received[5].headers["eventType"] == b"event-log.create"


def test_status_and_metrics_report_the_last_delivery(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    relay: KafkaRelay,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    event_id = record(database)
    drain(relay, database)
    status = client.get("/api/integration/kafka/status").json()["status"]
    assert status["enabled"] and status["connected"] and status["pending"] == 0
    assert status["lastDeliveredEventId"] == event_id
    metrics = client.get("/metrics").text
    assert "idstream_kafka_events_pending 0" in metrics
    assert "idstream_kafka_delivered_total 1" in metrics
