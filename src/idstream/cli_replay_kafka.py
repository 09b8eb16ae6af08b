"""`events replay --to kafka`: asks the relay to replay (idstream.kafka.status.request_replay)
and follows it with a progress bar. When no other relay holds the lease (no `serve` running),
this process runs the relay's passes itself so that the replay happens now."""

from __future__ import annotations

import time
from typing import Any

import typer
from sqlalchemy import func, select

from idstream import clock
from idstream.cli_kafka_client import CliError
from idstream.db import Database
from idstream.errors import ValidationFailed
from idstream.events import cursors
from idstream.events.store import StoredEvent
from idstream.kafka import config as kafka_config
from idstream.kafka import status as kafka_status
from idstream.kafka.relay import RELAY, KafkaRelay

IDLE_SECONDS = 0.2


def _unsent(db: Database, end: int) -> tuple[int, dict[str, Any]]:
    """How many replayed events the relay still has to send, and its figures."""
    with db.read() as session:
        figures = kafka_status.status(session)
        count = session.scalar(
            select(func.count())
            .select_from(StoredEvent)
            .where(StoredEvent.sequence > figures["position"], StoredEvent.sequence <= end)
        )
    return int(count or 0), figures


def replay_to_kafka(
    db: Database, since_ms: int | None, sequence: int | None, *, wait: bool, timeout_ms: int
) -> None:
    from idstream.events.cli import progress_bar

    with db.read() as session:
        if not kafka_config.load(session).enabled:
            raise CliError("the Kafka integration is not enabled; nothing would be sent")
    body = {"since": since_ms} if since_ms is not None else {"sequence": sequence}
    try:
        with db.unit_of_work() as session:
            replay = kafka_status.request_replay(session, body)["replay"]
            end = cursors.get(session, RELAY)
    except ValidationFailed as error:
        raise CliError(error.summary()) from None
    total, first = int(replay["events"]), replay["fromSequence"]
    if total == 0:
        typer.echo("Nothing to replay: no event at or after that point has been sent to Kafka.")
        return
    if not wait:
        typer.echo(f"Replay of {total} events from sequence {first} requested.")
        return
    relay = KafkaRelay(db, wait_seconds=0.5)
    progress, task = progress_bar(total, "Replaying to Kafka")
    last_done, last_change = -1, time.monotonic()
    try:
        with progress:
            while True:
                worked = relay.run_once(clock.now_ms())
                unsent, figures = _unsent(db, end)
                done = total - min(unsent, total)
                progress.update(task, completed=done)
                if not figures["replaying"] or unsent == 0:
                    break
                if done != last_done:
                    last_done, last_change = done, time.monotonic()
                elif time.monotonic() - last_change > timeout_ms / 1000:
                    reason = f": {figures['lastError']}" if figures.get("lastError") else ""
                    raise CliError(
                        f"the replay made no progress in {timeout_ms} ms ({done} of {total} "
                        f"sent; the relay carries on when it can){reason}"
                    )
                if not worked:
                    time.sleep(IDLE_SECONDS)
    finally:
        # Hand the lease back at once: a running `serve` carries on without waiting for it.
        relay.release()
    typer.echo(f"Replayed {total} events to Kafka from sequence {first}.")
