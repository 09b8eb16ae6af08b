"""The webhook dispatcher: a worker that fans stored events out into deliveries, claims the
due ones and sends them on a thread pool, one task per webhook, so that a slow or dead
receiver holds up only its own deliveries. Its state is all in the database."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from idstream.config import Settings
from idstream.db import Database
from idstream.webhooks import deliveries, retention
from idstream.webhooks.deliveries import Claimed, Outcome
from idstream.webhooks.transport import SendResult, Transport

log = logging.getLogger(__name__)
CONSECUTIVE_FAILURES_LIMIT = 3


@dataclass
class DispatcherOptions:
    workers: int = 32  # webhooks served at once
    claim_limit: int = 1000  # deliveries looked at per pass
    per_webhook: int = 200  # deliveries one webhook's task takes per pass
    lease_seconds: float = 300.0  # a claim older than this is taken again (its owner died)
    # Attempts are written in small batches: one transaction per send would make the
    # database, not the receiver, the limit.
    record_every: int = 200
    record_seconds: float = 0.2
    seed: int | None = None
    # Shortest time between two passes. Every commit wakes the dispatcher; under API load,
    # waiting a moment lets one pass take the events of many commits, instead of adding a
    # write transaction to each. Tests keep 0 and call run_once themselves.
    min_pass_seconds: float = 0.0


class Dispatcher:
    name = "webhook-dispatcher"

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        transport: Transport | None = None,
        options: DispatcherOptions | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.options = options or DispatcherOptions()
        self.transport = transport or Transport(deny_private=settings.webhook_deny_private)
        self._rng = random.Random(self.options.seed)
        self._pool = ThreadPoolExecutor(self.options.workers, thread_name_prefix="webhook-send")
        self._busy: dict[str, Future[None]] = {}
        self._recorder = Recorder(database, self.options.record_every, self.options.record_seconds)
        self._lock = threading.Lock()
        self._last_pass = 0.0
        self._closing = threading.Event()
        # Called when a webhook's task ends, so that the worker loop claims its next deliveries.
        self.on_progress: Callable[[], None] | None = None

    def run_once(self, now: int) -> int:
        if self.options.min_pass_seconds:
            wait_for = self._last_pass + self.options.min_pass_seconds - time.monotonic()
            if wait_for > 0:
                time.sleep(wait_for)
            self._last_pass = time.monotonic()
        with self._lock:
            self._busy = {k: f for k, f in self._busy.items() if not f.done()}
            busy = list(self._busy)
        # Look before writing: an idle pass must not take SQLite's write lock.
        with self.database.read() as session:
            behind = deliveries.fan_out_behind(session)
            due = deliveries.any_due(session, now, busy)
        if not (behind or due):
            return 0
        with self.database.unit_of_work() as session:
            fanned = deliveries.fan_out(session, now, self.settings) if behind else 0
            claimed = deliveries.claim(
                session,
                now,
                limit=self.options.claim_limit,
                per_webhook=self.options.per_webhook,
                lease_ms=int(self.options.lease_seconds * 1000),
                busy=busy,
                skip_locked=not self.database.is_sqlite,
            )
        by_webhook: dict[str, list[Claimed]] = {}
        for item in claimed:
            by_webhook.setdefault(item.webhook_id, []).append(item)
        with self._lock:
            for webhook_id, items in by_webhook.items():
                self._recorder.task_started()
                self._busy[webhook_id] = self._pool.submit(self._send_all, items, now)
        return fanned + len(claimed)

    def wait_idle(self, timeout: float | None = 60.0) -> None:
        """Wait until every send begun so far is recorded (tests, shutdown)."""
        with self._lock:
            futures = list(self._busy.values())
        wait(futures, timeout)
        self._recorder.flush()

    def stop(self) -> None:
        self.close()

    def close(self) -> None:
        """Finish the calls under way, hand back what was claimed and not sent, record all."""
        self._closing.set()
        self._pool.shutdown(wait=True)
        self._recorder.flush()
        self.transport.close()

    def _send_all(self, items: list[Claimed], pass_now: int) -> None:
        """One webhook's deliveries, in event order. When the receiver looks down, slow or
        overloaded, the rest are handed back untried, to follow the first one's retry."""
        started = time.monotonic()
        failures = 0
        try:
            for index, item in enumerate(items):
                if self._closing.is_set():
                    # Shutting down: hand the rest back at once instead of leaving them
                    # to wait for the end of their lease.
                    rest = [i.delivery_id for i in items[index:]]
                    self._recorder.hold(item.webhook_id, rest, pass_now)
                    return
                begin = pass_now + int((time.monotonic() - started) * 1000)
                if item.target is None:
                    result = SendResult(False, None, True, item.problem, 0)
                else:
                    result = self.transport.send(item.target, item.payload)
                outcome = Outcome(item, result, begin, begin + result.duration_ms)
                planned = deliveries.plan(outcome, self.settings, self._rng)
                failures = 0 if result.ok else failures + 1
                if result.retryable and _receiver_in_trouble(result, failures):
                    rest = [i.delivery_id for i in items[index + 1 :]]
                    due = planned.retry_at if planned.retry_at is not None else pass_now
                    self._recorder.add(planned, (item.webhook_id, rest, due))
                    return
                self._recorder.add(planned)
        except Exception:
            # The claims' leases run out and another pass sends them again.
            log.exception("webhook dispatch failed")
        finally:
            self._recorder.task_done()
            if self.on_progress is not None:
                self.on_progress()


def _receiver_in_trouble(result: SendResult, consecutive_failures: int) -> bool:
    """Unreachable, timing out or asking us to slow down: stop. A 5xx now and then is one
    event's problem, so the next ones are still tried, unless failures keep coming."""
    if result.status_code is None or result.status_code in (408, 429):
        return True
    return consecutive_failures >= CONSECUTIVE_FAILURES_LIMIT


class Recorder:
    """Collects what the webhook tasks did and writes it in few transactions: when enough has
    piled up, when the oldest has waited long enough, or when the last running task ends.
    One write per attempt would make the database, not the receivers, the limit, and would
    take SQLite's write lock from the API far more often."""

    def __init__(self, database: Database, every: int, seconds: float) -> None:
        self.database = database
        self.every = every
        self.seconds = seconds
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._planned: list[deliveries.Planned] = []
        self._holds: list[tuple[str, list[str], int]] = []
        self._oldest = 0.0
        self._running = 0

    def task_started(self) -> None:
        with self._lock:
            self._running += 1

    def add(
        self, planned: deliveries.Planned, hold: tuple[str, list[str], int] | None = None
    ) -> None:
        with self._lock:
            if not self._planned and not self._holds:
                self._oldest = time.monotonic()
            self._planned.append(planned)
            if hold is not None:
                self._holds.append(hold)
            due = (
                len(self._planned) >= self.every or time.monotonic() - self._oldest >= self.seconds
            )
        if due:
            self.flush()

    def hold(self, webhook_id: str, delivery_ids: list[str], until: int) -> None:
        with self._lock:
            self._holds.append((webhook_id, delivery_ids, until))

    def task_done(self) -> None:
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            self.flush()

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                planned, self._planned = self._planned, []
                holds, self._holds = self._holds, []
            if planned or holds:
                with self.database.unit_of_work() as session:
                    deliveries.write(session, planned, holds)


class EventPruner:
    """Deletes delivered events past the retention (settings.event_retention_days)."""

    name = "event-pruner"

    def __init__(self, database: Database, settings: Settings, interval_seconds: float = 60):
        self.database = database
        self.settings = settings
        self.interval_ms = int(interval_seconds * 1000)
        self._last_run: int | None = None

    def run_once(self, now: int) -> int:
        if self._last_run is not None and now - self._last_run < self.interval_ms:
            return 0
        with self.database.unit_of_work() as session:
            pruned = retention.prune(session, now, self.settings.event_retention_days)
        # Keep going while there is a backlog; otherwise wait for the interval.
        self._last_run = None if pruned else now
        return pruned

    def stop(self) -> None:
        """Nothing is held between passes."""
