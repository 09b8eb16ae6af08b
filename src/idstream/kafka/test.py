"""Send test event: check a (possibly unsaved) configuration step by step, each with a plain
message, all within max.block.ms, then produce FusionAuth's test message and wait for its
delivery report. Runs in the request, but only ever against the configuration under test."""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from idstream import clock
from idstream.events import catalogue
from idstream.events.rendering import canonical_json
from idstream.kafka import properties
from idstream.kafka.config import KafkaSettings
from idstream.kafka.records import build_producer

TEST_MESSAGE = "You've successfully configured the Kafka Integration for idstream."
_RESOLVER = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="kafka-dns")


def test_message(now: int | None = None) -> dict[str, Any]:
    return {
        "createInstant": clock.now_ms() if now is None else now,
        "id": str(uuid.uuid4()),
        "message": TEST_MESSAGE,
        "type": catalogue.TEST.name,
    }


class StepFailed(Exception):
    pass


@dataclass
class TestRun:
    deadline: float
    max_block_ms: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def step(self, name: str, action: Callable[[], str]) -> bool:
        if self.failure is not None:
            self.steps.append({"name": name, "status": "skipped"})
            return False
        started = time.monotonic()
        try:
            message, status = action(), "passed"
        except StepFailed as error:
            message, status = str(error), "failed"
            self.failure = message
        self.steps.append(
            {
                "name": name,
                "status": status,
                "message": message,
                "durationMs": int((time.monotonic() - started) * 1000),
            }
        )
        return status == "passed"

    def response(self) -> tuple[dict[str, Any], int]:
        if self.failure is None:
            return {"status": 200, "steps": self.steps}, 200
        return {"status": 400, "message": self.failure, "steps": self.steps}, 400


def run_test(settings: KafkaSettings) -> tuple[dict[str, Any], int]:
    translation = properties.translate(settings.producer, properties.PRODUCER)
    run = TestRun(time.monotonic() + translation.max_block_ms / 1000, translation.max_block_ms)
    config = translation.config
    topic = settings.default_topic or ""

    def check_properties() -> str:
        if not translation.ok:
            raise StepFailed(
                "The producer properties are not valid: "
                + "; ".join(str(e) for e in translation.errors)
            )
        if not topic.strip():
            raise StepFailed("No topic: set defaultTopic to a topic that exists in Kafka.")
        warnings = "; ".join(str(w) for w in translation.warnings)
        return "The producer properties are valid." + (f" Warnings: {warnings}" if warnings else "")

    run.step("properties", check_properties)
    run.step("bootstrap", lambda: _reach_bootstrap(run, config))
    errors: list[KafkaError] = []
    holder: dict[str, Any] = {}

    def connect() -> str:
        try:
            holder["producer"] = build_producer(config, error_cb=errors.append)
        except KafkaException as error:
            raise StepFailed(
                f"The producer properties are not valid: {error.args[0].str()}"
            ) from None
        return _authenticate(run, holder["producer"], errors, config)

    run.step("authentication", connect)
    run.step("topic", lambda: _topic_exists(run, holder["producer"], topic))
    run.step("produce", lambda: _produce(run, holder["producer"], topic))
    return run.response()


def _servers(config: dict[str, str]) -> list[tuple[str, int]]:
    servers = []
    for item in (config.get("bootstrap.servers") or "").split(","):
        item = item.strip()
        if "://" in item:
            item = item.split("://", 1)[1]
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise StepFailed(f"[{item}] in bootstrap.servers is not host:port.")
        servers.append((host.strip("[]"), int(port)))
    if not servers:
        raise StepFailed("bootstrap.servers is empty.")
    return servers


def _reach_bootstrap(run: TestRun, config: dict[str, str]) -> str:
    """DNS, then TCP, then TLS, each failure told apart; one reachable server is enough."""
    problems = []
    for host, port in _servers(config):
        try:
            _reach_one(run, config, host, port)
            return f"Reached {host}:{port}."
        except StepFailed as error:
            problems.append(str(error))
    raise StepFailed(" ".join(problems))


def _reach_one(run: TestRun, config: dict[str, str], host: str, port: int) -> None:
    future = _RESOLVER.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        addresses = future.result(timeout=run.remaining())
    except concurrent.futures.TimeoutError:
        raise StepFailed(
            f"DNS: resolving [{host}] took longer than max.block.ms ({run.max_block_ms} ms)."
        ) from None
    except OSError as error:
        raise StepFailed(f"DNS: the host [{host}] cannot be resolved ({error}).") from None
    address = addresses[0][4]
    try:
        sock = socket.create_connection(
            (str(address[0]), port), timeout=max(run.remaining(), 0.001)
        )
    except TimeoutError:
        raise StepFailed(
            f"TCP: no answer from {host}:{port} within max.block.ms ({run.max_block_ms} ms)."
        ) from None
    except OSError as error:
        raise StepFailed(
            f"TCP: cannot connect to {host}:{port} ({error.strerror or error})."
        ) from None
    with sock:
        if config.get("security.protocol", "PLAINTEXT") not in ("SSL", "SASL_SSL"):
            return
        context = ssl.create_default_context(
            cafile=config.get("ssl.ca.location"), cadata=config.get("ssl.ca.pem")
        )
        if config.get("ssl.endpoint.identification.algorithm") == "none":
            context.check_hostname = False
        if config.get("enable.ssl.certificate.verification") == "false":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        sock.settimeout(max(run.remaining(), 0.001))
        try:
            with context.wrap_socket(sock, server_hostname=host):
                pass
        except ssl.SSLCertVerificationError as error:
            raise StepFailed(
                f"TLS: the certificate of {host}:{port} is not trusted "
                f"({error.verify_message}); check ssl.truststore.*."
            ) from None
        except (ssl.SSLError, OSError) as error:
            raise StepFailed(
                f"TLS: the handshake with {host}:{port} failed ({error}); is "
                "security.protocol right for this port?"
            ) from None


def _authenticate(run: TestRun, producer: Any, errors: list[KafkaError], config: dict) -> str:
    """Cluster metadata proves the connection works end to end, SASL included. Short polls
    let an authentication error end the step early instead of at the deadline."""
    while True:
        producer.poll(0)  # serves error_cb
        for error in errors:
            if error.code() == KafkaError._AUTHENTICATION:
                raise StepFailed(
                    f"Authentication failed: {error.str()}; check the username "
                    "and password in sasl.jaas.config."
                )
            if error.code() == KafkaError._SSL:
                raise StepFailed(f"TLS failed: {error.str()}.")
        if run.remaining() <= 0:
            last = f" Last error: {errors[-1].str()}." if errors else ""
            raise StepFailed(
                f"No answer from the Kafka cluster within max.block.ms "
                f"({run.max_block_ms} ms).{last}"
            )
        try:
            producer.list_topics(timeout=min(0.25, run.remaining()))
        except KafkaException:
            continue
        mechanism = config.get("sasl.mechanism")
        return f"Connected{f' and authenticated with SASL {mechanism}' if mechanism else ''}."


def _topic_exists(run: TestRun, producer: Any, topic: str) -> str:
    try:
        metadata = producer.list_topics(topic=topic, timeout=max(run.remaining(), 0.001))
    except KafkaException as error:
        raise StepFailed(
            f"Could not read the metadata of topic [{topic}]: {error.args[0].str()}."
        ) from None
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        raise StepFailed(
            f"The topic [{topic}] does not exist; idstream never creates topics: "
            "create it in Kafka (kafka-topics.sh --create) or fix defaultTopic."
        )
    return f"The topic [{topic}] exists with {len(found.partitions)} partition(s)."


def _produce(run: TestRun, producer: Any, topic: str) -> str:
    message = test_message()
    reports: list[Any] = []
    producer.produce(
        topic,
        value=canonical_json(message),
        headers=[("eventId", message["id"].encode()), ("eventType", b"test")],
        timestamp=message["createInstant"],
        on_delivery=lambda error, msg: reports.append((error, msg)),
    )
    producer.flush(max(run.remaining(), 0.001))
    if not reports:
        producer.purge()
        producer.flush(0)
        raise StepFailed(
            f"The test event was not acknowledged within max.block.ms ({run.max_block_ms} ms)."
        )
    error, msg = reports[0]
    if error is not None:
        raise StepFailed(f"Kafka refused the test event: {error.str()}.")
    return (
        f"The test event {message['id']} was written to {topic} partition {msg.partition()} "
        f"at offset {msg.offset()}."
    )
