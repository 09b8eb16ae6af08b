"""`idstream events ...`: follow the event store live, and send stored events again to Kafka
(through the relay's replay) or to one webhook (through the webhook deliveries)."""

from __future__ import annotations

import datetime as dt
import enum
import fnmatch
import time
from typing import Annotated, Any

import typer

from idstream.cli_kafka_client import (
    CliError,
    one_line_errors,
    quiet_idstream_logs,
    stdout_closed,
    stop_on_terminate,
    stop_requests,
)
from idstream.cli_output import Format, choose, show

events_app = typer.Typer(
    help="The event store from the shell: follow it live, replay it.", no_args_is_help=True
)

TAIL_BATCH = 500
REQUEUE_BATCH = 200


@events_app.callback()
def _events() -> None:
    quiet_idstream_logs()


def _database() -> Any:
    from idstream.cli import open_existing
    from idstream.config import Settings

    return open_existing(Settings())


def wanted(patterns: list[str], tenant: str | None, event_type: str, tenant_id: str | None) -> bool:
    """`user.*` matches user.create and user.login.success; several patterns are OR-ed."""
    if tenant is not None and tenant_id != tenant:
        return False
    return not patterns or any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


@events_app.command("tail")
@one_line_errors
def tail(
    event_type: Annotated[
        list[str] | None,
        typer.Option("--type", help="Event type or pattern such as user.* (repeat for several)."),
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Only events of this tenant id.")] = None,
    format: Annotated[
        Format | None,
        typer.Option(help="pretty (default on a terminal), json (default otherwise) or raw."),
    ] = None,
    from_sequence: Annotated[
        int | None,
        typer.Option(min=0, help="Start after this sequence number (default: the newest event)."),
    ] = None,
    max_events: Annotated[
        int | None, typer.Option(min=1, help="Stop after printing this many events.")
    ] = None,
    interval_ms: Annotated[
        int, typer.Option(min=10, help="How often to look for new events, in milliseconds.")
    ] = 500,
) -> None:
    """Print events as they are recorded, in sequence order, until Ctrl-C.

    Example: idstream events tail --type 'user.*' --tenant 2671a63f-084c-4434-9465-fde65b8845ee
    """
    from idstream.events import store

    patterns = list(event_type or [])
    stop_on_terminate()
    fmt = choose(format)
    db = _database()
    with db.read() as session:
        position = store.last_sequence(session) if from_sequence is None else from_sequence
    typer.echo(f"Following events after sequence {position} (Ctrl-C to stop)", err=True)
    printed = 0
    try:
        with stop_requests() as stopped:
            while not stopped() and (max_events is None or printed < max_events):
                with db.read() as session:
                    batch = [
                        (e.sequence, e.type, e.tenant_id, e.create_instant, e.payload)
                        for e in store.read_after(session, position, TAIL_BATCH)
                    ]
                if not batch:
                    time.sleep(interval_ms / 1000)
                for sequence, type_name, tenant_id, created, payload in batch:
                    if stopped() or (max_events is not None and printed >= max_events):
                        break
                    position = sequence
                    if wanted(patterns, tenant, type_name, tenant_id):
                        show(fmt, payload, created)
                        printed += 1
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        stdout_closed()
    finally:
        db.dispose()
    typer.echo(f"Printed a total of {printed} events", err=True)


class Target(enum.StrEnum):
    kafka = "kafka"
    webhook = "webhook"


def parse_time(text: str) -> int:
    """Epoch milliseconds, or ISO-8601 (a time without offset is UTC)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"--since must be ISO-8601 (2026-01-31T09:00:00Z) or epoch milliseconds, not [{text}]"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


@events_app.command("replay")
@one_line_errors
def replay(
    webhook_id: Annotated[
        str | None, typer.Argument(help="The webhook's id, with --to webhook.", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Events recorded at or after TIME (ISO-8601 or epoch ms).")
    ] = None,
    sequence: Annotated[
        int | None, typer.Option(min=0, help="Events from this sequence number on.")
    ] = None,
    to: Annotated[
        Target, typer.Option(help="kafka (through the relay) or webhook ID.")
    ] = Target.kafka,
    wait: Annotated[
        bool, typer.Option(help="Kafka: wait until the relay has sent them again.")
    ] = True,
    timeout_ms: Annotated[
        int, typer.Option(min=1, help="Kafka: give up when the relay makes no progress this long.")
    ] = 30_000,
) -> None:
    """Send stored events again; consumers deduplicate on the event id.

    Example: idstream events replay --since 2026-01-31T09:00:00Z --to kafka

    Example: idstream events replay --sequence 1200 --to webhook 0f5d...-webhook-id
    """
    if (since is None) == (sequence is None):
        raise CliError("give exactly one of --since or --sequence")
    if to is Target.webhook and not webhook_id:
        raise CliError("--to webhook needs the webhook's id: --to webhook ID")
    if to is Target.kafka and webhook_id:
        raise CliError(f"unexpected argument [{webhook_id}]: only --to webhook takes an id")
    since_ms = parse_time(since) if since is not None else None
    db = _database()
    try:
        if to is Target.webhook:
            assert webhook_id is not None
            _to_webhook(db, webhook_id, since_ms, sequence)
        else:
            from idstream.cli_replay_kafka import replay_to_kafka

            replay_to_kafka(db, since_ms, sequence, wait=wait, timeout_ms=timeout_ms)
    finally:
        db.dispose()


def progress_bar(total: int, description: str) -> Any:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    progress = Progress(console=console, disable=not console.is_terminal)
    task = progress.add_task(description, total=total)
    return progress, task


def _to_webhook(db: Any, webhook_id: str, since_ms: int | None, sequence: int | None) -> None:
    from sqlalchemy import select

    from idstream import clock
    from idstream.config import Settings
    from idstream.events.store import StoredEvent
    from idstream.webhooks import deliveries, routing
    from idstream.webhooks.models import Webhook

    with db.read() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            raise CliError(f"no webhook with id [{webhook_id}]")
        query = select(StoredEvent.id, StoredEvent.type, StoredEvent.tenant_id)
        if since_ms is not None:
            query = query.where(StoredEvent.create_instant >= since_ms)
        else:
            query = query.where(StoredEvent.sequence >= (sequence or 0))
        rows = session.execute(query.order_by(StoredEvent.sequence)).all()
        # Only what the webhook would have been sent: its event types and tenants.
        event_ids = [r.id for r in rows if routing.matches(webhook, r.type, r.tenant_id)]
    settings = Settings()
    progress, task = progress_bar(len(event_ids), f"Re-queuing for webhook {webhook_id}")
    with progress:
        for start in range(0, len(event_ids), REQUEUE_BATCH):
            chunk = event_ids[start : start + REQUEUE_BATCH]
            with db.unit_of_work() as session:
                for event_id in chunk:
                    deliveries.redeliver(session, event_id, webhook_id, clock.now_ms(), settings)
            progress.advance(task, len(chunk))
    typer.echo(f"Re-queued {len(event_ids)} events for webhook {webhook_id}.")
