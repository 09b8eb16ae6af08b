"""Kafka clients for the command line: a Java .properties file translated by
idstream.kafka.properties (the same translation as the integration), --bootstrap-server on top,
librdkafka's own log kept off the terminal, and a bounded wait for the cluster whose failure
becomes one sentence."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import typer

from idstream.kafka import properties
from idstream.kafka.librdkafka_catalogue import PROPERTIES as LIBRDKAFKA

# kafka-topics.sh's --command-config configures an AdminClient: neither producer nor consumer.
ADMIN = "admin"
DEFAULT_TIMEOUT_MS = 10_000

# librdkafka would print every failed connection attempt on stderr; the command says why it
# failed in one line instead.
QUIET = logging.getLogger("idstream.cli.librdkafka")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


class CliError(Exception):
    """A failure the operator can act on, said in one line."""


def quiet_idstream_logs() -> None:
    """The relay and the test log through Python logging, which would fall back to printing
    warnings on stderr: the command reports those failures itself."""
    logging.getLogger("idstream").addHandler(logging.NullHandler())


def stop_on_terminate() -> None:
    """SIGTERM ends a following command the way Ctrl-C does: cleanly, with its count."""
    import signal

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    # A shell starting us in the background may have ignored SIGINT; Ctrl-C should still work.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@contextlib.contextmanager
def stop_requests() -> Iterator[Callable[[], bool]]:
    """Within the block, Ctrl-C and SIGTERM ask the loop to stop at its next turn instead of
    interrupting it mid-line, so that the count it reports is what it printed."""
    import signal

    requested: list[int] = []

    def ask(signum: int, _frame: Any) -> None:
        requested.append(signum)

    previous = {sig: signal.signal(sig, ask) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(requested)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # java.util.Properties files are ISO-8859-1 unless written otherwise.
        return raw.decode("latin-1")


def read_properties(path: Path | None, role: str) -> dict[str, str]:
    """librdkafka settings from a Java client .properties file; its first problem fails."""
    if path is None:
        return {}
    translation_role = properties.CONSUMER if role == ADMIN else role
    result = properties.translate_text(read_text(path), translation_role)
    if result.errors:
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        raise CliError(f"{path}: {result.errors[0]}{more}")
    for problem in result.warnings:
        warn(f"{path}: {problem}")
    config = dict(result.config)
    if role == ADMIN:
        # An admin client is a librdkafka producer handle: consumer settings mean nothing to it.
        config = {k: v for k, v in config.items() if getattr(LIBRDKAFKA.get(k), "role", "*") != "C"}
    return config


def client_config(bootstrap_server: str | None, path: Path | None, role: str) -> dict[str, Any]:
    """The properties file's settings with --bootstrap-server taking precedence, as in Kafka's
    own tools."""
    config: dict[str, Any] = dict(read_properties(path, role))
    if bootstrap_server:
        config["bootstrap.servers"] = bootstrap_server
    if not str(config.get("bootstrap.servers") or "").strip():
        raise CliError("--bootstrap-server is required (or bootstrap.servers in the config file)")
    return config


def wait_for_cluster(
    client: Any, errors: list[Any], timeout_ms: int, servers: str, topic: str | None = None
) -> Any:
    """Cluster metadata once the cluster answers (authentication included), else CliError:
    at once for a refused login or TLS, at the deadline when nothing answers. Short metadata
    requests let an error reported in between end the wait early."""
    from confluent_kafka import KafkaError, KafkaException

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        client.poll(0)  # serves error_cb
        for error in errors:
            if error.code() == KafkaError._AUTHENTICATION:
                raise CliError(f"authentication failed: {_reason(error)}")
            if error.code() == KafkaError._SSL:
                raise CliError(f"TLS failed: {_reason(error)}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            last = f": {_reason(errors[-1])}" if errors else ""
            raise CliError(
                f"no answer from the Kafka cluster at {servers} within {timeout_ms} ms{last}"
            )
        try:
            if topic is None:
                return client.list_topics(timeout=min(0.25, remaining))
            return client.list_topics(topic=topic, timeout=min(0.25, remaining))
        except KafkaException:
            continue


_BROKER_PREFIX = re.compile(r"^\S+/(?:bootstrap|\d+): ")
_STATE_SUFFIX = re.compile(r" \(after \d+ms in state [A-Z_]+\)$")


def _reason(error: Any) -> str:
    """librdkafka's text without its "<broker>/bootstrap: " prefix and "(after ...)" tail."""
    return _STATE_SUFFIX.sub("", _BROKER_PREFIX.sub("", str(error.str())))


def check_topic(metadata: Any, topic: str) -> Any:
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        from confluent_kafka import KafkaError

        if found is not None and found.error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
            raise CliError(f"not authorized to read the topic [{topic}]")
        raise CliError(f"the topic [{topic}] does not exist")
    return found


def new_client(kind: Callable[[dict[str, Any]], Any], config: dict[str, Any]) -> tuple[Any, list]:
    """A confluent-kafka client that collects its errors instead of logging them."""
    errors: list[Any] = []
    from confluent_kafka import KafkaException

    try:
        client = kind({**config, "logger": QUIET, "error_cb": errors.append})
    except KafkaException as error:
        raise CliError(f"invalid Kafka configuration: {error.args[0].str()}") from None
    except (TypeError, ValueError) as error:
        raise CliError(f"invalid Kafka configuration: {error}") from None
    return client, errors


P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Every failure leaves as `error: <reason>` and exit code 1, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except CliError as error:
            raise _fail(str(error)) from None
        except BrokenPipeError:
            stdout_closed()
            raise typer.Exit(0) from None
        except Exception as error:  # the promise is one line, whatever went wrong
            from confluent_kafka import KafkaException

            if isinstance(error, KafkaException) and error.args:
                problem = error.args[0]
                detail = problem.str() if hasattr(problem, "str") else str(problem)
                raise _fail(f"Kafka: {detail}") from None
            raise _fail(f"{type(error).__name__}: {error}") from None

    return run


def _fail(message: str) -> typer.Exit:
    from idstream.cli import fail

    return fail(message.splitlines()[0] if message else "failed")


def stdout_closed() -> None:
    """A reader that went away (`| head`) ends the command quietly."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
