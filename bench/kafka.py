"""Kafka benchmark, one run against the same broker (scripts/kafka), results in
bench/results/kafka.md:

1. raw confluent-kafka producer throughput for the stored events' exact records;
2. the relay draining a stored backlog of the same events; the ratio of the two;
3. end-to-end latency (API response -> consumer receipt), p50 and p99, at a steady rate of
   user creates through a real `idstream serve`;
4. API latency of user creates with Kafka unreachable against a healthy Kafka.

    .venv/bin/python bench/kafka.py [--events 200000] [--rate 200] [--seconds 15]
        [--outage-users 500] [--database-url URL]   (default: a fresh SQLite file)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

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

from idstream import clock  # noqa: E402
from idstream.db import Database  # noqa: E402
from idstream.events import catalogue, cursors, store  # noqa: E402
from idstream.kafka import config as kafka_config  # noqa: E402
from idstream.kafka import properties  # noqa: E402
from idstream.kafka.records import record_for  # noqa: E402
from idstream.kafka.relay import RELAY, KafkaRelay  # noqa: E402


def broker() -> str:
    out = subprocess.run(
        [str(ROOT / "scripts" / "kafka"), "start"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)["PLAINTEXT"]


def new_topic(servers: str, partitions: int = 6) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": servers})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
    return name


def save_config(db: Database, servers: str, topic: str) -> None:
    kafka = {
        "enabled": True,
        "defaultTopic": topic,
        "producer": {"bootstrap.servers": servers, "max.block.ms": "5000"},
    }
    with db.unit_of_work() as session:
        kafka_config.update(session, {"integrations": {"kafka": kafka}}, patch=False)


def fill_backlog(db: Database, events: int, tenant_id: str) -> None:
    users = [str(uuid.uuid4()) for _ in range(1000)]
    for start in range(0, events, 5000):
        with db.unit_of_work() as session:
            for number in range(start, min(events, start + 5000)):
                user_id = users[number % len(users)]
                subject = {
                    "user": {
                        "id": user_id,
                        "email": f"u{number}@example.com",
                        "active": True,
                        "tenantId": tenant_id,
                        "verified": True,
                        "insertInstant": clock.now_ms(),
                        "usernameStatus": "ACTIVE",
                        "passwordChangeRequired": False,
                        "twoFactor": {},
                    }
                }
                store.record(
                    session,
                    catalogue.USER_CREATE,
                    subject,
                    tenant_id=tenant_id,
                    user_id=user_id,
                    info={"ipAddress": "127.0.0.1"},
                )


def raw_throughput(db: Database, servers: str) -> tuple[float, int]:
    topic = new_topic(servers)
    with db.read() as session:
        records = [record_for(e, "user", "fusionauth") for e in store.read_after(session, 0, 10**9)]
    config = properties.translate({"bootstrap.servers": servers}).config
    producer = Producer(config)
    started = time.perf_counter()
    for record in records:
        while True:
            try:
                producer.produce(
                    topic,
                    value=record.value,
                    key=record.key,
                    headers=record.headers,
                    timestamp=record.timestamp,
                )
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(120)
    return len(records) / (time.perf_counter() - started), len(records)


def relay_throughput(db: Database, servers: str, events: int) -> float:
    save_config(db, servers, new_topic(servers))
    relay = KafkaRelay(db, batch_size=10000, wait_seconds=5.0)
    started = time.perf_counter()
    try:
        while True:
            relay.run_once(clock.now_ms())
            with db.read() as session:
                if cursors.get(session, RELAY) >= store.last_sequence(session):
                    break
    finally:
        relay.release()
    return events / (time.perf_counter() - started)


def receipts(
    servers: str, topic: str, wanted: int, stop: threading.Event, out: dict[str, float]
) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": servers,
            "group.id": uuid.uuid4().hex,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 5,
        }
    )
    consumer.subscribe([topic])
    try:
        while len(out) < wanted and not stop.is_set():
            message = consumer.poll(0.1)
            if message is None or message.error():
                continue
            event = json.loads(message.value())["event"]
            if event["type"] == "user.create":
                out[event["user"]["id"]] = time.time()
    finally:
        consumer.close()


def send_to(server: Server, key: str, servers: str, topic: str) -> None:
    """Point the running server's Kafka integration at `topic` on `servers`."""
    kafka = {
        "enabled": True,
        "defaultTopic": topic,
        "producer": {"bootstrap.servers": servers, "max.block.ms": "5000"},
    }
    httpx.put(
        f"{server.url}/api/integration",
        json={"integrations": {"kafka": kafka}},
        headers={"Authorization": key},
    ).raise_for_status()


def end_to_end(server: Server, key: str, servers: str, rate: float, seconds: float) -> dict:
    topic = new_topic(servers)
    send_to(server, key, servers, topic)
    count = int(rate * seconds)
    received: dict[str, float] = {}
    stop = threading.Event()
    reader = threading.Thread(target=receipts, args=(servers, topic, count, stop, received))
    reader.start()
    achieved, created = create_users(server.url, key, count, threads=32, rate=rate)
    reader.join(60)
    stop.set()
    latencies = [received[c.user_id] - c.answered_at for c in created if c.user_id in received]
    api_latencies = [c.latency for c in created]
    return {
        "count": count,
        "received": len(latencies),
        "achieved_rate": achieved,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "api_p50_ms": percentile(api_latencies, 0.5) * 1000,
        "api_p99_ms": percentile(api_latencies, 0.99) * 1000,
    }


def api_latency(
    server: Server, key: str, servers: str, count: int, reachable: bool = True
) -> tuple[float, float]:
    send_to(server, key, servers if reachable else "127.0.0.1:1", new_topic(servers, 1))
    _rate, created = create_users(server.url, key, count, threads=32)
    values = [c.latency for c in created]
    return percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--outage-users", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--server-workers", type=int, default=2, help="idstream serve --workers (one per core)"
    )
    args = parser.parse_args()
    servers = broker()
    db_url = database_url(args.database_url)
    db, tenant_id, raw_key = prepare(db_url)

    print(f"filling a backlog of {args.events} events ...", flush=True)
    fill_backlog(db, args.events, tenant_id)
    raw_rate, produced = raw_throughput(db, servers)
    print(f"raw producer: {raw_rate:,.0f} events/s", flush=True)
    relay_rate = relay_throughput(db, servers, produced)
    print(f"relay: {relay_rate:,.0f} events/s", flush=True)
    db.dispose()

    server = Server(db_url, workers=args.server_workers)
    try:
        e2e = end_to_end(server, raw_key, servers, args.rate, args.seconds)
        print(f"end to end: {e2e}", flush=True)
        healthy = api_latency(server, raw_key, servers, args.outage_users)
        down = api_latency(server, raw_key, servers, args.outage_users, reachable=False)
        print(f"API latency healthy {healthy}, Kafka down {down}", flush=True)
    finally:
        server.stop()
    write_report(args, db_url, produced, raw_rate, relay_rate, e2e, healthy, down)


def write_report(
    args: Any,
    db_url: str,
    produced: int,
    raw_rate: float,
    relay_rate: float,
    e2e: dict,
    healthy: tuple[float, float],
    down: tuple[float, float],
) -> None:
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    lines = [
        "# Kafka benchmark",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} at the end: other work shares the machine), "
        f"{backend}, the scripts/kafka broker (one node, 6-partition topics), "
        f"`idstream serve --workers {args.server_workers}`, `.venv/bin/python bench/kafka.py`.",
        "",
        "| Measure | Result |",
        "|---|---|",
        f"| Raw confluent-kafka producer, same {produced:,} records (idempotent, acks=all) "
        f"| {raw_rate:,.0f} events/s |",
        f"| Relay draining a stored backlog of {produced:,} events | {relay_rate:,.0f} events/s |",
        f"| Relay / raw | {relay_rate / raw_rate:.2f} |",
        f"| End to end (API response -> consumer receipt) at {args.rate:.0f} user creates/s "
        f"for {args.seconds:.0f} s ({e2e['received']}/{e2e['count']} received, achieved "
        f"{e2e['achieved_rate']:.0f}/s) | p50 {e2e['p50_ms']:.0f} ms, p99 {e2e['p99_ms']:.0f} ms |",
        f"| API latency of those creates | p50 {e2e['api_p50_ms']:.0f} ms, "
        f"p99 {e2e['api_p99_ms']:.0f} ms |",
        f"| API latency, {args.outage_users} user creates, healthy Kafka | p50 {healthy[0]:.0f} ms,"
        f" p99 {healthy[1]:.0f} ms |",
        f"| API latency, {args.outage_users} user creates, Kafka unreachable | p50 {down[0]:.0f} "
        f"ms, p99 {down[1]:.0f} ms |",
        "",
        "The tenant's password hash factor is lowered to 1000 for the run so that hashing does "
        "not dominate the API figures. The relay runs inside `idstream serve` (woken on "
        "commit); the load generator, server and broker share the machine.",
        "",
    ]
    write_result("kafka.md", lines)


if __name__ == "__main__":
    main()
