"""Users created through the API reach Kafka: the brief's audit-log.create and user.create,
and 500 users created while the broker is stopped all arrive, in order, once it is back.

The outage test stops and starts a private broker (scripts/kafka with its own directory and
ports), never the shared one other tests use."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from idstream import clock
from idstream.db import Database
from idstream.events import store
from idstream.kafka.relay import KafkaRelay
from tests.conftest import free_port
from tests.integration.kafka_helpers import caught_up, drain, enable_kafka
from tests.integration.test_audit_log import record_api_changes
from tests.integration.test_users import PASSWORD, enable_events
from tests.kafka_fixtures import ROOT, Broker, consume, create_topic, parse_env

pytestmark = pytest.mark.kafka
USERS = 500


class PrivateBroker:
    def __init__(self, directory: Path) -> None:
        self.env = {
            **os.environ,
            "IDSTREAM_KAFKA_DIR": str(directory),
            "IDSTREAM_KAFKA_PORT": str(free_port()),
            "IDSTREAM_KAFKA_SASL_PORT": str(free_port()),
            "IDSTREAM_KAFKA_CONTROLLER_PORT": str(free_port()),
            # A loaded 2-CPU machine may need more than the script's default minute.
            "IDSTREAM_KAFKA_START_TIMEOUT": "240",
        }

    def run(self, command: str) -> str:
        done = subprocess.run(
            [str(ROOT / "scripts" / "kafka"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.fail(f"scripts/kafka {command} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> Broker:
        values = parse_env(self.run("start"))
        return Broker(
            values["PLAINTEXT"],
            values["SASL_SSL"],
            values["CA_FILE"],
            values["SASL_USERNAME"],
            values["SASL_PASSWORD"],
        )


@pytest.fixture(scope="module")
def private_broker(
    tmp_path_factory: pytest.TempPathFactory, kafka_broker: Broker
) -> Iterator[PrivateBroker]:
    del kafka_broker  # only so that a missing Kafka installation skips these tests alike
    broker = PrivateBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    yield broker
    broker.run("stop")


def test_api_user_create_puts_audit_log_create_and_user_create_on_the_topic(
    client: TestClient,
    database: Database,
    kafka_broker: Broker,
    topic: str,
    consumer: Any,
    default_tenant_id: str,
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic)
    record_api_changes(client)
    enable_events(client, default_tenant_id, "user.create")
    response = client.post(
        "/api/user", json={"user": {"email": "newuser@example.com", "password": PASSWORD}}
    )
    assert response.status_code == 200, response.text
    user_id = response.json()["user"]["id"]
    relay = KafkaRelay(database, wait_seconds=0.5)
    try:
        drain(relay, database, passes=200)
    finally:
        relay.close()
    with database.read() as session:
        stored = store.last_sequence(session)
    received = consumer(topic, stored)
    events = {r.json()["event"]["type"]: r for r in received}
    [audit] = [
        r.json()["event"]
        for r in received
        if r.json()["event"].get("auditLog", {}).get("message", "").startswith("Created user")
    ]
    assert set(audit) >= {"auditLog", "createInstant", "id", "type"}
    assert audit["auditLog"]["message"].startswith(f"Created user with Id [{user_id}]")
    created = events["user.create"]
    body = created.json()["event"]
    assert set(body) >= {"createInstant", "id", "tenantId", "type", "user"}
    assert body["user"]["email"] == "newuser@example.com" and "password" not in body["user"]
    assert created.key == user_id.encode()


def test_users_created_while_the_broker_is_stopped_all_arrive_in_order(
    client: TestClient,
    database: Database,
    private_broker: PrivateBroker,
    default_tenant_id: str,
) -> None:
    broker = private_broker.start()
    topic = f"outage-{os.urandom(4).hex()}"
    create_topic(broker, topic)
    enable_kafka(client, broker.plaintext, topic)
    enable_events(client, default_tenant_id, "user.create")
    relay = KafkaRelay(database, wait_seconds=0.5)
    try:
        drain(relay, database, passes=200)
        private_broker.run("stop")
        created = []
        for number in range(USERS):
            response = client.post(
                "/api/user",
                json={"user": {"email": f"user{number}@example.com", "password": PASSWORD}},
            )
            assert response.status_code == 200, response.text
            created.append(response.json()["user"]["id"])
        for _ in range(3):
            assert relay.run_once(clock.now_ms()) == 0
        assert not caught_up(database)
        private_broker.start()
        drain(relay, database, passes=200)
    finally:
        relay.close()
    received = consume(broker, topic, USERS + 1, timeout=60)
    users = [r for r in received if r.headers["eventType"] == b"user.create"]
    assert [r.json()["event"]["user"]["id"] for r in users] == created
    assert [r.key for r in users] == [user_id.encode() for user_id in created]
