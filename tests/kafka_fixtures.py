"""The real Apache Kafka broker of scripts/kafka: started once per run, a fresh topic per test,
and a consumer helper."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Broker:
    plaintext: str
    sasl_ssl: str
    ca_file: str
    username: str
    password: str

    def admin_config(self) -> dict[str, Any]:
        return {"bootstrap.servers": self.plaintext}

    def sasl_config(self, password: str | None = None) -> dict[str, Any]:
        return {
            "bootstrap.servers": self.sasl_ssl,
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "PLAIN",
            "sasl.username": self.username,
            "sasl.password": self.password if password is None else password,
            "ssl.ca.location": self.ca_file,
        }


def parse_env(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="session")
def kafka_broker() -> Broker:
    env_file = os.environ.get("IDSTREAM_TEST_KAFKA_ENV")
    if env_file and Path(env_file).exists():
        text = Path(env_file).read_text()
    else:
        script = ROOT / "scripts" / "kafka"
        try:
            done = subprocess.run(
                [str(script), "start"], capture_output=True, text=True, timeout=600, check=True
            )
        except (OSError, subprocess.SubprocessError) as error:
            from tests.conftest import require_or_skip

            require_or_skip(f"the Kafka broker could not be started: {error}")
            raise
        text = done.stdout
    values = parse_env(text)
    return Broker(
        plaintext=values["PLAINTEXT"],
        sasl_ssl=values["SASL_SSL"],
        ca_file=values["CA_FILE"],
        username=values["SASL_USERNAME"],
        password=values["SASL_PASSWORD"],
    )


def create_topic(broker: Broker, name: str, partitions: int = 1) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(broker.admin_config())
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    futures[name].result(timeout=30)


@pytest.fixture
def topic(kafka_broker: Broker) -> str:
    """A new, empty topic for this test alone."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    create_topic(kafka_broker, name)
    return name


@dataclass
class Received:
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    partition: int
    timestamp: int

    def json(self) -> Any:
        return json.loads(self.value)


def consume(
    broker: Broker, topic: str, count: int, timeout: float = 30.0, config: dict | None = None
) -> list[Received]:
    """Read `count` records from the start of `topic`, or fail after `timeout` seconds."""
    import time

    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            **(config or broker.admin_config()),
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    received: list[Received] = []
    deadline = time.monotonic() + timeout
    try:
        while len(received) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            received.append(
                Received(
                    key=message.key(),
                    value=message.value(),
                    headers={k: v for k, v in (message.headers() or [])},
                    partition=message.partition(),
                    timestamp=message.timestamp()[1],
                )
            )
    finally:
        consumer.close()
    return received


@pytest.fixture
def consumer(kafka_broker: Broker) -> Iterator[Any]:
    """consumer(topic, count, timeout=30) -> list of records, read from the beginning."""

    def read(
        topic: str, count: int, timeout: float = 30.0, config: dict | None = None
    ) -> list[Received]:
        return consume(kafka_broker, topic, count, timeout, config)

    yield read
