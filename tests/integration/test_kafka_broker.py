"""The test harness's real Apache Kafka broker: PLAINTEXT and SASL_SSL with PLAIN users."""

from __future__ import annotations

import uuid

from confluent_kafka import KafkaError, Producer

from tests.kafka_fixtures import Broker


def produce_one(config: dict, topic: str, value: bytes, timeout: float = 20.0) -> list[KafkaError]:
    """Produce one message and return the errors seen (the delivery error included)."""
    errors: list[KafkaError] = []
    producer = Producer(
        {**config, "error_cb": errors.append, "message.timeout.ms": int(timeout * 1000)}
    )

    def on_delivery(error: KafkaError | None, _message: object) -> None:
        if error is not None:
            errors.append(error)

    producer.produce(topic, value, on_delivery=on_delivery)
    producer.flush(timeout + 5)
    return errors


def test_plaintext_listener_produces_and_consumes(
    kafka_broker: Broker, topic: str, consumer
) -> None:
    value = f"plain-{uuid.uuid4()}".encode()

    assert produce_one(kafka_broker.admin_config(), topic, value) == []

    assert [r.value for r in consumer(topic, 1)] == [value]


def test_sasl_ssl_listener_with_plain_credentials(
    kafka_broker: Broker, topic: str, consumer
) -> None:
    value = f"sasl-{uuid.uuid4()}".encode()

    assert produce_one(kafka_broker.sasl_config(), topic, value) == []

    records = consumer(topic, 1, config=kafka_broker.sasl_config())
    assert [r.value for r in records] == [value]


def test_sasl_ssl_refuses_a_wrong_password(kafka_broker: Broker, topic: str) -> None:
    errors = produce_one(kafka_broker.sasl_config(password="wrong"), topic, b"never", timeout=5)

    codes = {error.code() for error in errors}
    assert KafkaError._AUTHENTICATION in codes
