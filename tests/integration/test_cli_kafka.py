"""`idstream kafka topics|test|status` as an operator runs them: the installed console script
against the real broker, exit codes and one-line reasons."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream import clock
from idstream.db import Database
from idstream.events.store import StoredEvent
from idstream.kafka.relay import KafkaRelay
from idstream.kafka.status import status
from tests.conftest import free_port
from tests.integration.kafka_helpers import enable_kafka
from tests.kafka_fixtures import Broker

IDSTREAM = str(Path(sys.executable).parent / "idstream")
JAAS = (
    "org.apache.kafka.common.security.plain.PlainLoginModule   required "
    "username='{username}'   password='{password}';"
)


def run(
    *args: str, database: Database | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTREAM_", "FUSIONAUTH_"))}
    if database is not None:
        env["IDSTREAM_DATABASE_URL"] = database.url
    return subprocess.run(
        [IDSTREAM, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The failure's reason; asserts it is exactly one `error:` line and no traceback."""
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    return lines[0]


def briefs_properties(broker: Broker, path: Path, password: str | None = None) -> Path:
    """The brief's consumer.properties, plus the test broker's CA as a PEM truststore."""
    jaas = JAAS.format(username=broker.username, password=password or broker.password)
    path.write_text(
        f"bootstrap.servers={broker.sasl_ssl}\n"
        "client.dns.lookup=use_all_dns_ips\n"
        f"sasl.jaas.config={jaas}\n"
        "sasl.mechanism=PLAIN\n"
        "security.protocol=SASL_SSL\n"
        "session.timeout.ms=45000\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={broker.ca_file}\n"
    )
    return path


def drain_relay(database: Database) -> None:
    """Relay passes until nothing is pending; the lease is handed back for the command's relay."""
    relay = KafkaRelay(database, wait_seconds=0.5)
    try:
        for _ in range(60):
            relay.run_once(clock.now_ms())
            with database.read() as session:
                if status(session)["pending"] == 0:
                    return
        raise AssertionError("the relay did not drain the event store")
    finally:
        relay.release()


def skip_to_end(database: Database) -> None:
    """A relay pass while the integration is off passes over what is already stored."""
    relay = KafkaRelay(database)
    relay.run_once(clock.now_ms())
    relay.release()


def stored_payloads(database: Database) -> list[bytes]:
    with database.read() as session:
        return list(session.scalars(select(StoredEvent.payload).order_by(StoredEvent.sequence)))


# --- topics ---------------------------------------------------------------------------


def test_topics_create_makes_a_topic_that_describe_shows(kafka_broker: Broker) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    server = ("--bootstrap-server", kafka_broker.plaintext)

    created = run("kafka", "topics", "create", "--topic", name, "--partitions", "3", *server)
    described = run("kafka", "topics", "describe", "--topic", name, *server)

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f"Created topic {name}."
    assert described.returncode == 0, described.stderr
    assert f"Topic: {name}\t" in described.stdout
    assert "PartitionCount: 3" in described.stdout
    assert described.stdout.count("\tPartition: ") == 3


def test_topics_list_through_sasl_ssl_command_config(
    kafka_broker: Broker, topic: str, tmp_path: Path
) -> None:
    config = briefs_properties(kafka_broker, tmp_path / "admin.properties")

    listed = run("kafka", "topics", "list", "--command-config", str(config))

    assert listed.returncode == 0, listed.stderr
    assert topic in listed.stdout.splitlines()


def test_topics_create_an_existing_topic_fails_in_one_line(
    kafka_broker: Broker, topic: str
) -> None:
    done = run(
        "kafka", "topics", "create", "--topic", topic, "--bootstrap-server", kafka_broker.plaintext
    )

    assert one_line_error(done) == f"error: the topic [{topic}] already exists"


def test_topics_describe_a_missing_topic_fails_in_one_line(kafka_broker: Broker) -> None:
    done = run(
        "kafka",
        "topics",
        "describe",
        "--topic",
        "no-such-topic-here",
        "--bootstrap-server",
        kafka_broker.plaintext,
    )

    assert one_line_error(done) == "error: the topic [no-such-topic-here] does not exist"


def test_unreachable_broker_fails_in_one_line_within_the_timeout() -> None:
    server = f"127.0.0.1:{free_port()}"

    done = run("kafka", "topics", "list", "--bootstrap-server", server, "--timeout-ms", "1000")

    reason = one_line_error(done)
    assert reason.startswith(f"error: no answer from the Kafka cluster at {server} within 1000 ms")


def test_wrong_password_fails_in_one_line(kafka_broker: Broker, tmp_path: Path) -> None:
    config = briefs_properties(kafka_broker, tmp_path / "admin.properties", password="wrong")

    done = run("kafka", "topics", "list", "--command-config", str(config))

    assert one_line_error(done).startswith("error: authentication failed")
    assert "wrong" not in done.stderr


def test_invalid_properties_file_fails_naming_the_property(tmp_path: Path) -> None:
    config = tmp_path / "admin.properties"
    config.write_text("bootstrap.server=localhost:9092\n")

    done = run("kafka", "topics", "list", "--command-config", str(config))

    reason = one_line_error(done)
    assert "line 1" in reason and "[bootstrap.server]" in reason


# --- test and status --------------------------------------------------------------------


def test_kafka_test_with_the_saved_configuration_passes_every_step(
    client: TestClient, database: Database, kafka_broker: Broker, topic: str, consumer
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, max_block_ms=5000)

    done = run("kafka", "test", database=database)

    assert done.returncode == 0, done.stderr
    steps = [line.split()[:2] for line in done.stdout.splitlines()]
    assert steps == [
        ["passed", name]
        for name in ("properties", "bootstrap", "authentication", "topic", "produce")
    ]
    [record] = consumer(topic, 1, timeout=10)
    assert record.json()["type"] == "test"


def test_kafka_test_with_a_wrong_password_stops_at_authentication(
    kafka_broker: Broker, topic: str, tmp_path: Path
) -> None:
    config = briefs_properties(kafka_broker, tmp_path / "producer.properties", password="wrong")

    done = run("kafka", "test", "--config", str(config), "--topic", topic)

    assert one_line_error(done).startswith("error: Authentication failed")
    statuses = {line.split()[1]: line.split()[0] for line in done.stdout.splitlines()}
    assert statuses == {
        "properties": "passed",
        "bootstrap": "passed",
        "authentication": "failed",
        "topic": "skipped",
        "produce": "skipped",
    }


def test_kafka_status_prints_the_relays_figures(
    client: TestClient, database: Database, kafka_broker: Broker, topic: str
) -> None:
    enable_kafka(client, kafka_broker.plaintext, topic, max_block_ms=5000)
    client.post(
        "/api/user", json={"user": {"email": "status@example.com", "password": "pa55word!A"}}
    )
    drain_relay(database)
    delivered = len(stored_payloads(database))

    done = run("kafka", "status", "--json", database=database)

    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["status"]
    assert figures["enabled"] is True
    assert figures["pending"] == 0
    assert figures["delivered"] == delivered


@pytest.mark.parametrize(
    "command",
    [
        ("kafka", "topics", "create"),
        ("kafka", "topics", "list"),
        ("kafka", "topics", "describe"),
        ("kafka", "consume"),
        ("kafka", "test"),
        ("kafka", "status"),
        ("events", "tail"),
        ("events", "replay"),
    ],
)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    # In-process: help text does not depend on the process, and starting one costs a second.
    from typer.testing import CliRunner

    from idstream.cli import app

    done = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)

    assert done.exit_code == 0, done.output
    assert "Example: idstream " in " ".join(done.output.split())


def test_status_never_migrates_a_database(tmp_path: Path) -> None:
    """A read-only command pointed at an empty (or older) database leaves it as it is."""
    path = tmp_path / "empty.db"
    done = run("kafka", "status", database=Database(f"sqlite:///{path}"))

    reason = one_line_error(done)
    assert "has no idstream tables; run `idstream migrate`" in reason
    assert sqlite3.connect(path).execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_database_errors_never_show_its_password() -> None:
    url = "postgresql+psycopg://idstream:hunter2-secret@127.0.0.1:1/idstream"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTREAM_", "FUSIONAUTH_"))}
    done = subprocess.run(
        [IDSTREAM, "kafka", "status"],
        env={**env, "IDSTREAM_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )

    reason = one_line_error(done)
    assert "cannot open the database at postgresql+psycopg://idstream:***@127.0.0.1:1" in reason
    assert "hunter2" not in done.stderr + done.stdout
