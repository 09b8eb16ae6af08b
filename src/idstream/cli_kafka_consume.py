"""`idstream kafka consume`: kafka-console-consumer.sh on idstream's property translation, so
the brief's consumer.properties (Java client names, sasl.jaas.config) works as written."""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from idstream.cli_kafka_client import (
    DEFAULT_TIMEOUT_MS,
    CliError,
    check_topic,
    client_config,
    new_client,
    one_line_errors,
    stdout_closed,
    stop_on_terminate,
    stop_requests,
    wait_for_cluster,
)
from idstream.cli_output import Format, choose, show
from idstream.kafka import properties

POLL_SECONDS = 0.2


@one_line_errors
def consume(
    topic: Annotated[str, typer.Option(help="The topic to read.")],
    bootstrap_server: Annotated[
        str | None,
        typer.Option(help="host:port[,host:port]; overrides bootstrap.servers of the file."),
    ] = None,
    consumer_config: Annotated[
        Path | None,
        typer.Option(
            "--consumer-config",
            "--consumer.config",
            help="Java consumer .properties file (sasl.jaas.config, security.protocol, ...).",
        ),
    ] = None,
    from_beginning: Annotated[
        bool,
        typer.Option(
            "--from-beginning", help="Start at the earliest offset when there is no committed one."
        ),
    ] = False,
    group: Annotated[
        str | None,
        typer.Option(help="Consumer group; offsets are committed only when a group is given."),
    ] = None,
    max_messages: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many messages.")
    ] = None,
    timeout_ms: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Stop when no message arrives for this long; also bounds the wait for the "
            f"cluster (default {DEFAULT_TIMEOUT_MS}).",
        ),
    ] = None,
    format: Annotated[
        Format | None,
        typer.Option(help="pretty (default on a terminal), json (default otherwise) or raw."),
    ] = None,
) -> None:
    """Print the events of a topic as they arrive, like kafka-console-consumer.sh.

    Example: idstream kafka consume --topic fa-events --from-beginning
    --bootstrap-server pkc-6ojv2.us-west4.gcp.confluent.cloud:9092
    --consumer-config consumer.properties

    Ctrl-C stops it and prints how many messages were processed.
    """
    from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, TopicPartition

    fmt = choose(format)
    stop_on_terminate()
    config = client_config(bootstrap_server, consumer_config, properties.CONSUMER)
    group_id = group or config.get("group.id")
    config["group.id"] = group_id or f"idstream-console-consumer-{uuid.uuid4().hex[:12]}"
    if group_id is None:
        # A throw-away group: nothing is committed, so nothing is left behind on the cluster.
        config["enable.auto.commit"] = "false"
    if from_beginning:
        config["auto.offset.reset"] = "earliest"
    else:
        config.setdefault("auto.offset.reset", "latest")
    consumer, errors = new_client(Consumer, config)
    tally = Tally()
    try:
        metadata = wait_for_cluster(
            consumer, errors, timeout_ms or DEFAULT_TIMEOUT_MS, config["bootstrap.servers"], topic
        )
        partitions = sorted(check_topic(metadata, topic).partitions)
        started: list[float] = []
        if group_id is None:
            # Without a group there is nothing to coordinate: read every partition directly.
            start = OFFSET_BEGINNING if from_beginning else OFFSET_END
            consumer.assign([TopicPartition(topic, p, start) for p in partitions])
            started.append(time.monotonic())
        else:
            consumer.subscribe([topic], on_assign=lambda *_: started.append(time.monotonic()))
        _read(consumer, errors, fmt, max_messages, timeout_ms, started, tally)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        stdout_closed()
    finally:
        _close(consumer)
    typer.echo(f"Processed a total of {tally.count} messages", err=True)


@dataclass
class Tally:
    count: int = 0


def _read(
    consumer: Any,
    errors: list[Any],
    fmt: Format,
    max_messages: int | None,
    timeout_ms: int | None,
    started: list[float],
    tally: Tally,
) -> None:
    from confluent_kafka import KafkaError

    # Errors a consumer cannot wait out; anything else (a broker restarting) it rides through.
    final = {
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.GROUP_AUTHORIZATION_FAILED,
    }
    last = time.monotonic()
    with stop_requests() as stopped:
        while not stopped() and (max_messages is None or tally.count < max_messages):
            message = consumer.poll(POLL_SECONDS)
            if message is None:
                for error in errors:
                    if error.code() == KafkaError._AUTHENTICATION or error.fatal():
                        raise CliError(f"Kafka: {error.str()}")
                errors.clear()
                # The idle clock starts once partitions are assigned, not while joining.
                idle = time.monotonic() - max(last, started[-1]) if started else 0.0
                if timeout_ms is not None and idle > timeout_ms / 1000:
                    return
                continue
            error = message.error()
            if error is not None:
                if error.code() in final or error.fatal():
                    raise CliError(f"Kafka: {error.str()}")
                continue
            timestamp = message.timestamp()[1] if message.timestamp()[0] else None
            show(fmt, message.value(), timestamp)
            tally.count += 1
            last = time.monotonic()


def _close(consumer: Any) -> None:
    with contextlib.suppress(KeyboardInterrupt, Exception):
        consumer.close()
