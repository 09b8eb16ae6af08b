"""`idstream kafka consume` as an operator runs it: the brief's consumer.properties over
SASL_SSL, the events the API produced, formats, Ctrl-C, and one-line failures."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
from pathlib import Path

from confluent_kafka import Producer
from fastapi.testclient import TestClient

from idstream.db import Database
from tests.integration.kafka_helpers import enable_kafka
from tests.integration.test_cli_kafka import (
    IDSTREAM,
    briefs_properties,
    drain_relay,
    one_line_error,
    run,
    skip_to_end,
    stored_payloads,
)
from tests.kafka_fixtures import Broker

BRIEF_TEST_EVENT = (
    b'{"createInstant":1667833973280,"id":"e6a4f780-02da-4b5a-8b04-94d2a49ea369",'
    b'"message":"You\'ve successfully configured the Kafka Integration for FusionAuth.",'
    b'"type":"test"}'
)
BRIEF_USER_CREATE = json.dumps(
    {
        "event": {
            "createInstant": 1667834917903,
            "id": "0c11627f-9461-4a00-8156-00ff6c3d68d3",
            "tenantId": "2671a63f-084c-4434-9465-fde65b8845ee",
            "type": "user.create",
            "user": {"email": "newuser@example.com", "id": "7e512f97"},
        }
    },
    separators=(",", ":"),
).encode()


def produce(broker: Broker, topic: str, *values: bytes) -> None:
    producer = Producer(broker.admin_config())
    for value in values:
        producer.produce(topic, value)
    assert producer.flush(20) == 0


def test_sasl_ssl_consume_reads_the_briefs_consumer_properties_verbatim(
    kafka_broker: Broker, topic: str, tmp_path: Path
) -> None:
    produce(kafka_broker, topic, BRIEF_TEST_EVENT, BRIEF_USER_CREATE)
    config = briefs_properties(kafka_broker, tmp_path / "consumer.properties")

    done = run(
        "kafka", "consume", "--topic", topic, "--from-beginning", "--max-messages", "2",
        "--bootstrap-server", kafka_broker.sasl_ssl, "--consumer-config", str(config),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [BRIEF_TEST_EVENT.decode(), BRIEF_USER_CREATE.decode()]
    assert done.stderr.strip() == "Processed a total of 2 messages"


def test_consume_prints_exactly_the_events_the_api_produced_in_order(
    client: TestClient, database: Database, kafka_broker: Broker, topic: str
) -> None:
    response = client.patch(
        "/api/tenant/" + client.get("/api/tenant").json()["tenants"][0]["id"],
        json={"tenant": {"eventConfiguration": {"events": {"user.create": {"enabled": True}}}}},
    )
    assert response.status_code == 200, response.text
    # The relay passes over what was recorded while the integration was off.
    skip_to_end(database)
    before = len(stored_payloads(database))
    enable_kafka(client, kafka_broker.plaintext, topic, max_block_ms=5000)
    emails = [f"user{n}@example.com" for n in range(4)]
    for email in emails:
        created = client.post(
            "/api/user", json={"user": {"email": email, "password": "pa55word!A"}}
        )
        assert created.status_code == 200, created.text
    drain_relay(database)
    produced = stored_payloads(database)[before:]

    done = run(
        "kafka", "consume", "--topic", topic, "--bootstrap-server", kafka_broker.plaintext,
        "--from-beginning", "--max-messages", str(len(produced)), "--format", "json",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [p.decode() for p in produced]
    printed = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert [e["user"]["email"] for e in printed if e["type"] == "user.create"] == emails


def test_pretty_format_summarises_each_event_without_colour_in_a_pipe(
    kafka_broker: Broker, topic: str
) -> None:
    produce(kafka_broker, topic, BRIEF_TEST_EVENT, BRIEF_USER_CREATE)

    done = run(
        "kafka", "consume", "--topic", topic, "--bootstrap-server", kafka_broker.plaintext,
        "--from-beginning", "--max-messages", "2", "--format", "pretty",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "2022-11-07T15:12:53.280Z  test  "
        "You've successfully configured the Kafka Integration for FusionAuth.",
        "2022-11-07T15:28:37.903Z  user.create  "
        "tenant 2671a63f-084c-4434-9465-fde65b8845ee  newuser@example.com",
    ]
    assert "\x1b" not in done.stdout


def test_on_a_terminal_the_default_is_a_coloured_summary(kafka_broker: Broker, topic: str) -> None:
    produce(kafka_broker, topic, BRIEF_USER_CREATE)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [IDSTREAM, "kafka", "consume", "--topic", topic, "--from-beginning",
             "--max-messages", "1", "--bootstrap-server", kafka_broker.plaintext],
            stdout=follower, stderr=subprocess.PIPE, text=True, timeout=30,
        )  # fmt: skip
        os.close(follower)
        shown = b""
        while chunk := _read_pty(leader):
            shown += chunk
    finally:
        os.close(leader)

    assert done.returncode == 0, done.stderr
    assert b"\x1b[" in shown
    plain = re.sub(rb"\x1b\[[0-9;]*m", b"", shown).decode().strip()
    assert plain == (
        "2022-11-07T15:28:37.903Z  user.create  "
        "tenant 2671a63f-084c-4434-9465-fde65b8845ee  newuser@example.com"
    )


def _read_pty(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the writer has gone
        return b""


def test_raw_format_prints_the_value_as_is(kafka_broker: Broker, topic: str) -> None:
    produce(kafka_broker, topic, b"not json at all")

    done = run(
        "kafka", "consume", "--topic", topic, "--bootstrap-server", kafka_broker.plaintext,
        "--from-beginning", "--max-messages", "1", "--format", "raw",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout == "not json at all\n"


def test_timeout_ends_an_idle_consume_with_the_count(kafka_broker: Broker, topic: str) -> None:
    done = run(
        "kafka", "consume", "--topic", topic, "--bootstrap-server", kafka_broker.plaintext,
        "--timeout-ms", "500",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == "Processed a total of 0 messages"


def test_ctrl_c_stops_consume_cleanly_with_the_count(kafka_broker: Broker, topic: str) -> None:
    produce(kafka_broker, topic, BRIEF_TEST_EVENT)
    process = subprocess.Popen(
        [IDSTREAM, "kafka", "consume", "--topic", topic, "--from-beginning",
         "--bootstrap-server", kafka_broker.plaintext, "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # it is consuming once the event is printed
        process.send_signal(signal.SIGINT)
        _rest, errors = process.communicate(timeout=20)
    finally:
        process.kill()

    assert first.strip() == BRIEF_TEST_EVENT.decode()
    assert process.returncode == 0, errors
    assert errors.strip() == "Processed a total of 1 messages"
    assert "Traceback" not in errors


def test_consume_with_a_wrong_password_fails_in_one_line(
    kafka_broker: Broker, topic: str, tmp_path: Path
) -> None:
    config = briefs_properties(kafka_broker, tmp_path / "consumer.properties", password="wrong")

    done = run("kafka", "consume", "--topic", topic, "--consumer-config", str(config))

    assert one_line_error(done).startswith("error: authentication failed")


def test_consume_a_missing_topic_fails_in_one_line(kafka_broker: Broker) -> None:
    done = run(
        "kafka", "consume", "--topic", "no-such-topic-here",
        "--bootstrap-server", kafka_broker.plaintext,
    )  # fmt: skip

    assert one_line_error(done) == "error: the topic [no-such-topic-here] does not exist"


def test_consume_with_an_unreadable_properties_file_fails_in_one_line(
    kafka_broker: Broker, tmp_path: Path
) -> None:
    missing = tmp_path / "consumer.properties"

    done = run(
        "kafka", "consume", "--topic", "t", "--bootstrap-server", kafka_broker.plaintext,
        "--consumer-config", str(missing),
    )  # fmt: skip

    assert one_line_error(done) == f"error: cannot read {missing}: No such file or directory"
