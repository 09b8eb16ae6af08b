"""Webhook benchmark, one run, results in bench/results/webhooks.md:

1. dispatcher throughput: a stored backlog of user.create events delivered to a local
   receiver by one Dispatcher (real clock), with 1 and with 5 webhooks;
2. API user-create rate through a real `idstream serve` (its workers on), with 0 webhooks and
   with 5 webhooks configured, and how long the 5 receivers took to get every event.

    .venv/bin/python bench/webhooks.py [--events 5000] [--users 500] [--database-url URL]
        (default: a fresh SQLite file)
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    Server,
    create_users,
    database_url,
    percentile,
    prepare,
    write_result,
)
from tests.receivers import webhook_json  # noqa: E402

from idstream.config import Settings  # noqa: E402
from idstream.db import Database  # noqa: E402
from idstream.events import catalogue, store  # noqa: E402
from idstream.events.cursors import EventCursor  # noqa: E402
from idstream.webhooks import service as webhooks  # noqa: E402
from idstream.webhooks.deliveries import CURSOR  # noqa: E402
from idstream.webhooks.dispatcher import Dispatcher  # noqa: E402
from idstream.webhooks.models import (  # noqa: E402
    SUCCEEDED,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)

STEADY_RATE = 20.0  # user creates per second for the latency comparison
CLIENTS = 8  # API clients creating users at once


def clear_webhooks(db: Database) -> None:
    """Back to no webhooks, with the fan-out at the start of the stored events again."""
    with db.unit_of_work() as session:
        for table in (WebhookAttempt, WebhookDelivery, Webhook):
            session.query(table).delete()
        session.query(EventCursor).filter(EventCursor.name == CURSOR).delete()


def add_webhooks(db: Database, urls: list[str]) -> None:
    with db.unit_of_work() as session:
        for url in urls:
            webhooks.create(session, webhook_json(url, "user.create"))


def fill_backlog(db: Database, count: int, tenant_id: str) -> None:
    for start in range(0, count, 500):
        with db.unit_of_work() as session:
            for n in range(start, min(count, start + 500)):
                user_id = str(uuid.uuid4())
                user = {"id": user_id, "email": f"bench{n}@example.com", "active": True}
                store.record(
                    session,
                    catalogue.USER_CREATE,
                    {"user": user},
                    tenant_id=tenant_id,
                    user_id=user_id,
                )


def dispatcher_throughput(db: Database, settings: Settings, count: int) -> float:
    """Deliveries per second draining every stored event to `count` receivers."""
    clear_webhooks(db)
    receivers = Receivers(count)
    try:
        add_webhooks(db, receivers.urls)
        with db.read() as session:
            wanted = session.query(store.StoredEvent).count() * count
        dispatcher = Dispatcher(db, settings)
        started = time.perf_counter()
        while True:
            if not dispatcher.run_once(int(time.time() * 1000)):
                dispatcher.wait_idle(0.05)
                if delivered(db) >= wanted:
                    break
        elapsed = time.perf_counter() - started
        dispatcher.close()
    finally:
        receivers.stop()
    return wanted / elapsed


class Receivers:
    """`count` receivers (tests/receivers.py) in a child process, so that their CPU is not
    taken from the process being measured."""

    def __init__(self, count: int) -> None:
        code = (
            "import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from tests.receivers import Receiver;"
            f"rs = [Receiver() for _ in range({count})];"
            "print(' '.join(r.url for r in rs), flush=True); time.sleep(10**6)"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(ROOT)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.urls = self.process.stdout.readline().split()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def delivered(db: Database) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == SUCCEEDED)
            )
            or 0
        )


def latencies_ms(url: str, key: str, count: int) -> list[float]:
    """Each create's latency in ms, at the steady rate."""
    _rate, created = create_users(url, key, count, threads=CLIENTS, rate=STEADY_RATE)
    return [c.latency * 1000 for c in created]


def api_rates(db: Database, db_url: str, key: str, users: int) -> dict[str, float]:
    clear_webhooks(db)
    server = Server(db_url)
    receivers = Receivers(5)
    results: dict[str, float] = {}
    try:
        results["rate0"], _ = create_users(server.url, key, users, threads=CLIENTS)
        steady0 = latencies_ms(server.url, key, users // 2)
        with httpx.Client(headers={"Authorization": key}) as client:
            for url in receivers.urls:
                body = webhook_json(url, "user.create")
                client.post(f"{server.url}/api/webhook", json=body).raise_for_status()
        steady5 = latencies_ms(server.url, key, users // 2)
        results["p50_0"], results["p99_0"] = percentile(steady0, 0.5), percentile(steady0, 0.99)
        results["p50_5"], results["p99_5"] = percentile(steady5, 0.5), percentile(steady5, 0.99)
        # The steady creates' deliveries first, so that they are not counted below.
        before = 5 * (users // 2)
        deadline = time.perf_counter() + 300
        while delivered(db) < before and time.perf_counter() < deadline:
            time.sleep(0.05)
        started = time.perf_counter()
        results["rate5"], _ = create_users(server.url, key, users, threads=CLIENTS)
        api_done = time.perf_counter()
        wanted = before + 5 * users
        while delivered(db) < wanted and time.perf_counter() < api_done + 300:
            time.sleep(0.05)
        drained = time.perf_counter()
        results["delivered"] = float(delivered(db) - before)
        results["drain_after_api"] = drained - api_done
        results["delivery_rate"] = results["delivered"] / (drained - started)
    finally:
        server.stop()
        receivers.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    db_url = database_url(args.database_url)
    db, tenant_id, key = prepare(db_url)
    settings = Settings(database_url=db_url, run_workers=False)

    print(f"storing {args.events} events ...", flush=True)
    fill_backlog(db, args.events, tenant_id)
    single = dispatcher_throughput(db, settings, 1)
    print(f"dispatcher, 1 webhook: {single:,.0f} deliveries/s", flush=True)
    multi = dispatcher_throughput(db, settings, 5)
    print(f"dispatcher, 5 webhooks: {multi:,.0f} deliveries/s", flush=True)

    api = api_rates(db, db_url, key, args.users)
    print(f"API: {api}", flush=True)
    write_report(args, db.url, single, multi, api)
    db.dispose()


def write_report(
    args: argparse.Namespace, url: str, single: float, multi: float, api: dict[str, float]
) -> None:
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    expected = 5 * args.users
    lines = [
        "# Webhook benchmark",
        "",
        f"Run {when} on {os.cpu_count()} CPUs ({platform.python_implementation()} "
        f"{platform.python_version()}), {backend}, `.venv/bin/python bench/webhooks.py "
        f"--events {args.events} --users {args.users}`.",
        "",
        "| Measure | Result |",
        "|---|---|",
        f"| Dispatcher draining {args.events:,} stored events to 1 local receiver "
        f"| {single:,.0f} deliveries/s |",
        f"| Dispatcher draining the same events to 5 local receivers ({5 * args.events:,} "
        f"deliveries) | {multi:,.0f} deliveries/s |",
        f"| API user creates, 0 webhooks ({args.users} users, {CLIENTS} clients) "
        f"| {api['rate0']:,.0f} users/s |",
        f"| API user creates, 5 webhooks ({args.users} users, {CLIENTS} clients) "
        f"| {api['rate5']:,.0f} users/s |",
        f"| API latency of user creates at a steady {STEADY_RATE:.0f}/s, 0 webhooks "
        f"| p50 {api['p50_0']:.0f} ms, p99 {api['p99_0']:.0f} ms |",
        f"| API latency of user creates at a steady {STEADY_RATE:.0f}/s, 5 webhooks "
        f"| p50 {api['p50_5']:.0f} ms, p99 {api['p99_5']:.0f} ms |",
        f"| Deliveries of the full-speed creates with 5 webhooks (`idstream serve`'s dispatcher) "
        f"| {api['delivered']:,.0f}/{expected:,}, {api['delivery_rate']:,.0f} deliveries/s, "
        f"last one {api['drain_after_api']:.1f} s after the last API answer |",
        "",
        "The receivers are Python `http.server` instances (tests/receivers.py) in a child "
        "process on the same machine as idstream and the load generator. One webhook's "
        "deliveries go one at a time, in event order; webhooks are served in parallel. The "
        "tenant's password hash factor is lowered to 1000 so that hashing does not dominate "
        "the API figures. No request waits for a delivery; at full speed the dispatcher's five "
        "calls per create share the same CPUs (and Python process) with the API, which is "
        "what lowers the saturated create rate with 5 webhooks.",
        "",
    ]
    write_result("webhooks.md", lines)


if __name__ == "__main__":
    main()
