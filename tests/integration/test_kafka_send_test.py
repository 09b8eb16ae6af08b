"""POST /api/integration/kafka/test against the real broker: the brief's test message through
PLAINTEXT and SASL_SSL, and each way of failing with its own message within max.block.ms."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.kafka_fixtures import Broker

pytestmark = pytest.mark.kafka
MAX_BLOCK_MS = 3000
# Time the API itself may add around the bounded Kafka steps (thread pool, app, test client).
SLACK_SECONDS = 1.5


def unsaved(topic: str, **producer: str) -> dict[str, Any]:
    producer = {"max.block.ms": str(MAX_BLOCK_MS), "request.timeout.ms": "2000", **producer}
    return {"integrations": {"kafka": {"defaultTopic": topic, "producer": producer}}}


def sasl(broker: Broker, password: str) -> dict[str, str]:
    return {
        "bootstrap.servers": broker.sasl_ssl,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule   required "
        f"username='{broker.username}'   password='{password}';",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": broker.ca_file,
    }


def run(client: TestClient, body: dict[str, Any] | None) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    response = client.post("/api/integration/kafka/test", json=body)
    return response.status_code, response.json(), time.monotonic() - started


def failed_step(result: dict[str, Any]) -> str:
    return next(step["name"] for step in result["steps"] if step["status"] == "failed")


def test_test_event_arrives_through_plaintext_in_the_briefs_shape(
    client: TestClient, kafka_broker: Broker, topic: str, consumer: Any
) -> None:
    status, result, _ = run(client, unsaved(topic, **{"bootstrap.servers": kafka_broker.plaintext}))
    assert status == 200, result
    assert result["status"] == 200
    assert [s["status"] for s in result["steps"]] == ["passed"] * 5
    [record] = consumer(topic, 1)
    message = record.json()
    assert list(message) == ["createInstant", "id", "message", "type"]
    assert message["type"] == "test"
    assert "idstream" in message["message"]
    assert message["message"].startswith("You've successfully configured the Kafka Integration")


def test_test_event_arrives_through_sasl_ssl_with_a_jaas_line(
    client: TestClient, kafka_broker: Broker, topic: str, consumer: Any
) -> None:
    status, result, _ = run(client, unsaved(topic, **sasl(kafka_broker, kafka_broker.password)))
    assert status == 200, result
    [record] = consumer(topic, 1)
    assert record.json()["type"] == "test"


def test_wrong_password_fails_authentication_within_max_block_ms(
    client: TestClient, kafka_broker: Broker, topic: str
) -> None:
    status, result, elapsed = run(client, unsaved(topic, **sasl(kafka_broker, "wrong")))
    assert status == 400
    assert result["status"] == 400
    assert failed_step(result) == "authentication"
    assert result["message"].startswith("Authentication failed")
    assert elapsed < MAX_BLOCK_MS / 1000 + SLACK_SECONDS


def test_unknown_host_fails_at_dns(client: TestClient, topic: str) -> None:
    body = unsaved(topic, **{"bootstrap.servers": "kafka.does-not-exist.invalid:9092"})
    status, result, elapsed = run(client, body)
    assert status == 400
    assert failed_step(result) == "bootstrap"
    assert result["message"].startswith("DNS:")
    assert elapsed < MAX_BLOCK_MS / 1000 + SLACK_SECONDS


def test_closed_port_fails_at_tcp(client: TestClient, topic: str) -> None:
    status, result, elapsed = run(client, unsaved(topic, **{"bootstrap.servers": "127.0.0.1:1"}))
    assert status == 400
    assert result["message"].startswith("TCP:")
    assert elapsed < MAX_BLOCK_MS / 1000 + SLACK_SECONDS


def test_plaintext_client_on_the_tls_port_fails_at_tls(
    client: TestClient, kafka_broker: Broker, topic: str
) -> None:
    producer = {
        "bootstrap.servers": kafka_broker.plaintext,
        "security.protocol": "SSL",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": kafka_broker.ca_file,
    }
    status, result, elapsed = run(client, unsaved(topic, **producer))
    assert status == 400
    assert result["message"].startswith("TLS:")
    assert elapsed < MAX_BLOCK_MS / 1000 + SLACK_SECONDS


def test_missing_topic_fails_and_is_not_created(client: TestClient, kafka_broker: Broker) -> None:
    from confluent_kafka.admin import AdminClient

    name = f"missing-{time.monotonic_ns()}"
    status, result, elapsed = run(
        client, unsaved(name, **{"bootstrap.servers": kafka_broker.plaintext})
    )
    assert status == 400
    assert failed_step(result) == "topic"
    assert "does not exist" in result["message"]
    assert elapsed < MAX_BLOCK_MS / 1000 + SLACK_SECONDS
    topics = AdminClient(kafka_broker.admin_config()).list_topics(timeout=10).topics
    assert name not in topics


def test_bad_properties_fail_the_first_step(client: TestClient, topic: str) -> None:
    body = unsaved(topic, **{"bootstrap.servers": "127.0.0.1:1", "request.timeout.ms": "soon"})
    status, result, _ = run(client, body)
    assert status == 400
    assert failed_step(result) == "properties"
    assert "request.timeout.ms" in result["message"]
    assert {s["status"] for s in result["steps"][1:]} == {"skipped"}


def test_without_a_body_the_saved_configuration_is_tested(
    client: TestClient, kafka_broker: Broker, topic: str, consumer: Any
) -> None:
    saved = unsaved(topic, **{"bootstrap.servers": kafka_broker.plaintext})
    saved["integrations"]["kafka"]["enabled"] = True
    assert client.put("/api/integration", json=saved).status_code == 200
    status, result, _ = run(client, None)
    assert status == 200, result
    assert consumer(topic, 1)[0].json()["type"] == "test"


def test_masked_password_in_an_unsaved_configuration_uses_the_saved_one(
    client: TestClient, kafka_broker: Broker, topic: str
) -> None:
    saved = unsaved(topic, **sasl(kafka_broker, kafka_broker.password))
    assert client.put("/api/integration", json=saved).status_code == 200
    shown = client.get("/api/integration").json()
    assert kafka_broker.password not in str(shown)
    status, result, _ = run(client, shown)
    assert status == 200, result
