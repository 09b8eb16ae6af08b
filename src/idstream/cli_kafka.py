"""`idstream kafka ...`: what the brief's troubleshooting section does with Kafka's own scripts
(kafka-topics.sh, kafka-console-consumer.sh), plus Send test event and the relay's status, all
on the integration's property translation."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from idstream.cli_kafka_client import (
    ADMIN,
    DEFAULT_TIMEOUT_MS,
    CliError,
    check_topic,
    client_config,
    new_client,
    one_line_errors,
    quiet_idstream_logs,
    read_text,
    wait_for_cluster,
)
from idstream.cli_kafka_consume import consume
from idstream.cli_output import instant

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")

kafka_app = typer.Typer(
    help="Kafka from the shell: topics, a console consumer, Send test event, relay status.",
    no_args_is_help=True,
)
topics_app = typer.Typer(
    help="Create, list and describe topics (like kafka-topics.sh).", no_args_is_help=True
)
kafka_app.add_typer(topics_app, name="topics")
kafka_app.command("consume")(consume)


@kafka_app.callback()
def _kafka() -> None:
    quiet_idstream_logs()


BootstrapServer = Annotated[
    str | None,
    typer.Option(help="host:port[,host:port]; overrides bootstrap.servers of --command-config."),
]
CommandConfig = Annotated[
    Path | None,
    typer.Option(
        "--command-config",
        help="Java client .properties file for the admin client (security, SASL, TLS).",
    ),
]
TimeoutMs = Annotated[
    int, typer.Option(min=1, help="How long to wait for the cluster, in milliseconds.")
]


def _admin(
    bootstrap_server: str | None, command_config: Path | None, timeout_ms: int
) -> tuple[Any, Any]:
    from confluent_kafka.admin import AdminClient

    config = client_config(bootstrap_server, command_config, ADMIN)
    admin, errors = new_client(AdminClient, config)
    metadata = wait_for_cluster(admin, errors, timeout_ms, config["bootstrap.servers"])
    return admin, metadata


def _read_database(read: Callable[[Session], T]) -> T:
    """`read` on the database of IDSTREAM_DATABASE_URL, which is never migrated here."""
    from idstream.cli import open_existing
    from idstream.config import Settings

    db = open_existing(Settings())
    try:
        with db.read() as session:
            return read(session)
    finally:
        db.dispose()


def _result(future: Any, timeout_ms: int, topic: str) -> Any:
    from confluent_kafka import KafkaError, KafkaException

    try:
        return future.result(timeout=timeout_ms / 1000)
    except KafkaException as error:
        problem = error.args[0]
        if problem.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            raise CliError(f"the topic [{topic}] already exists") from None
        if problem.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            raise CliError(f"the topic [{topic}] does not exist") from None
        raise CliError(f"Kafka: {problem.str()}") from None
    except TimeoutError:
        raise CliError(f"no answer from the Kafka cluster within {timeout_ms} ms") from None


@topics_app.command("create")
@one_line_errors
def topics_create(
    topic: Annotated[str, typer.Option(help="Name of the topic to create.")],
    partitions: Annotated[
        int | None, typer.Option(min=1, help="Partitions (default: the broker's num.partitions).")
    ] = None,
    replication_factor: Annotated[
        int | None,
        typer.Option(min=1, help="Replicas (default: the broker's default.replication.factor)."),
    ] = None,
    bootstrap_server: BootstrapServer = None,
    command_config: CommandConfig = None,
    timeout_ms: TimeoutMs = DEFAULT_TIMEOUT_MS,
) -> None:
    """Create a topic for the integration to send events to.

    Example: idstream kafka topics create --topic fa-events --bootstrap-server kafka:9092
    """
    from confluent_kafka.admin import NewTopic

    admin, _metadata = _admin(bootstrap_server, command_config, timeout_ms)
    new = NewTopic(
        topic, num_partitions=partitions or -1, replication_factor=replication_factor or -1
    )
    futures = admin.create_topics(
        [new], request_timeout=timeout_ms / 1000, operation_timeout=timeout_ms / 1000
    )
    _result(futures[topic], timeout_ms, topic)
    typer.echo(f"Created topic {topic}.")


@topics_app.command("list")
@one_line_errors
def topics_list(
    bootstrap_server: BootstrapServer = None,
    command_config: CommandConfig = None,
    timeout_ms: TimeoutMs = DEFAULT_TIMEOUT_MS,
) -> None:
    """Print the cluster's topic names, one per line.

    Example: idstream kafka topics list --bootstrap-server kafka:9092
    """
    _admin_client, metadata = _admin(bootstrap_server, command_config, timeout_ms)
    for name in sorted(metadata.topics):
        typer.echo(name)


@topics_app.command("describe")
@one_line_errors
def topics_describe(
    topic: Annotated[str, typer.Option(help="Name of the topic to describe.")],
    bootstrap_server: BootstrapServer = None,
    command_config: CommandConfig = None,
    timeout_ms: TimeoutMs = DEFAULT_TIMEOUT_MS,
) -> None:
    """Print a topic's partitions, leaders, replicas and in-sync replicas.

    Example: idstream kafka topics describe --topic fa-events --bootstrap-server kafka:9092
    """
    from confluent_kafka import TopicCollection

    admin, metadata = _admin(bootstrap_server, command_config, timeout_ms)
    check_topic(metadata, topic)
    futures = admin.describe_topics(TopicCollection([topic]), request_timeout=timeout_ms / 1000)
    found = _result(futures[topic], timeout_ms, topic)
    parts = sorted(found.partitions, key=lambda p: p.id)
    replicas = len(parts[0].replicas) if parts else 0
    typer.echo(
        f"Topic: {found.name}\tTopicId: {found.topic_id}\tPartitionCount: {len(parts)}\t"
        f"ReplicationFactor: {replicas}"
    )
    for part in parts:
        leader = part.leader.id if part.leader is not None else "none"
        typer.echo(
            f"\tTopic: {found.name}\tPartition: {part.id}\tLeader: {leader}\t"
            f"Replicas: {','.join(str(n.id) for n in part.replicas)}\t"
            f"Isr: {','.join(str(n.id) for n in part.isr)}"
        )


@kafka_app.command("test")
@one_line_errors
def kafka_test(
    config: Annotated[
        Path | None,
        typer.Option(help="Producer .properties file to test instead of the saved configuration."),
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="Topic to send to (default: the saved defaultTopic).")
    ] = None,
) -> None:
    """Send the test event, step by step, with the saved configuration or a properties file.

    Example: idstream kafka test --config producer.properties --topic fa-events
    """
    from idstream.kafka import config as kafka_config
    from idstream.kafka.properties import parse_properties
    from idstream.kafka.test import run_test

    if config is not None:
        if not topic:
            raise CliError("--topic is required with --config")
        parsed = parse_properties(read_text(config))
        if parsed.errors:
            raise CliError(f"{config}: {parsed.errors[0]}")
        settings = kafka_config.settings_from_doc(
            {"producer": parsed.values, "defaultTopic": topic}
        )
    else:
        settings = _read_database(kafka_config.load)
        if topic:
            settings = dataclasses.replace(settings, default_topic=topic)
    result, _status = run_test(settings)
    color = sys.stdout.isatty()
    marks = {"passed": typer.colors.GREEN, "failed": typer.colors.RED}
    for step in result["steps"]:
        status = step["status"]
        mark = f"{status:<8}"
        if color and status in marks:
            mark = typer.style(mark, fg=marks[status], bold=True)
        message = step.get("message") or ""
        typer.echo(f"{mark} {step['name']:<15} {message}".rstrip())
    if result.get("message"):
        raise CliError(str(result["message"]))


_STATUS_LINES = (
    ("enabled", "enabled"),
    ("connected", "connected"),
    ("pending", "pending events"),
    ("position", "position"),
    ("replaying", "replaying"),
    ("delivered", "delivered"),
    ("lastDeliveredEventId", "last delivered event"),
    ("lastDeliveredInstant", "last delivered at"),
    ("lastError", "last error"),
    ("lastErrorInstant", "last error at"),
    ("outageSince", "outage since"),
)


@kafka_app.command("status")
@one_line_errors
def kafka_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Print the relay's figures: enabled, connected, pending events (lag), delivered, errors.

    Example: idstream kafka status

    The database is IDSTREAM_DATABASE_URL's, as for `idstream serve`.
    """
    from idstream.kafka.status import status

    figures = _read_database(status)
    if as_json:
        typer.echo(json.dumps({"status": figures}, sort_keys=True))
        return
    for key, label in _STATUS_LINES:
        value = figures.get(key)
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif key.endswith(("Instant", "Since")):
            shown = instant(value) if value is not None else "-"
        else:
            shown = "-" if value is None else str(value)
        typer.echo(f"{label + ':':<22}{shown}")
