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
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import tempfile
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

from idstream import clock, migrate  # noqa: E402
from idstream.auth import apikeys  # noqa: E402
from idstream.db import Database  # noqa: E402
from idstream.events import catalogue, cursors, store  # noqa: E402
from idstream.kafka import config as kafka_config  # noqa: E402
from idstream.kafka import properties  # noqa: E402
from idstream.kafka.records import record_for  # noqa: E402
from idstream.kafka.relay import RELAY, KafkaRelay  # noqa: E402
from idstream.system import bootstrap  # noqa: E402
from idstream.tenants import service as tenants  # noqa: E402

PASSWORD = "correct horse battery"


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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


class Server:
    """`idstream serve` in its own process, with its workers (the relay among them)."""

    def __init__(self, db_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "IDSTREAM_DATABASE_URL": db_url, "IDSTREAM_PORT": str(self.port)}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "idstream"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                if httpx.get(f"{self.url}/api/status").status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("idstream serve did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def create_users(url: str, key: str, count: int, rate: float) -> dict[str, tuple[float, float]]:
    """user id -> (API latency in seconds, wall time of the response), at a steady rate."""
    results: dict[str, tuple[float, float]] = {}
    local = threading.local()
    started = time.perf_counter()

    def one(number: int) -> None:
        delay = started + number / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        client = getattr(local, "client", None) or httpx.Client(headers={"Authorization": key})
        local.client = client
        sent = time.perf_counter()
        body = {"user": {"email": f"{uuid.uuid4().hex}@example.com", "password": PASSWORD}}
        response = client.post(f"{url}/api/user", json=body, timeout=30)
        done = time.perf_counter()
        if response.status_code != 200:
            raise RuntimeError(f"user create failed: {response.status_code} {response.text}")
        results[response.json()["user"]["id"]] = (done - sent, time.time())

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        for future in [pool.submit(one, n) for n in range(count)]:
            future.result()
    return results


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


def end_to_end(server: Server, key: str, servers: str, rate: float, seconds: float) -> dict:
    topic = new_topic(servers)
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
    count = int(rate * seconds)
    received: dict[str, float] = {}
    stop = threading.Event()
    reader = threading.Thread(target=receipts, args=(servers, topic, count, stop, received))
    reader.start()
    started = time.perf_counter()
    created = create_users(server.url, key, count, rate)
    achieved = count / (time.perf_counter() - started)
    reader.join(60)
    stop.set()
    latencies = [received[u] - t for u, (_l, t) in created.items() if u in received]
    return {
        "count": count,
        "received": len(latencies),
        "achieved_rate": achieved,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "api_p50_ms": percentile([v[0] for v in created.values()], 0.5) * 1000,
        "api_p99_ms": percentile([v[0] for v in created.values()], 0.99) * 1000,
    }


def api_latency(
    server: Server, key: str, servers: str, count: int, reachable: bool = True
) -> tuple[float, float]:
    kafka = {
        "enabled": True,
        "defaultTopic": new_topic(servers, 1),
        "producer": {
            "bootstrap.servers": servers if reachable else "127.0.0.1:1",
            "max.block.ms": "5000",
        },
    }
    httpx.put(
        f"{server.url}/api/integration",
        json={"integrations": {"kafka": kafka}},
        headers={"Authorization": key},
    ).raise_for_status()
    values = [v[0] for v in create_users(server.url, key, count, rate=1e9).values()]
    return percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--outage-users", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    servers = broker()
    workdir = tempfile.mkdtemp(prefix="idstream-bench-")
    db_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    db = Database(db_url)
    migrate.upgrade(db)
    bootstrap.initialize(db)
    with db.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        tenant_id = tenant.id
        # A cheap password hash, so that the API's own CPU work does not hide the Kafka path.
        doc = dict(tenant.doc)
        doc["passwordEncryptionConfiguration"] = {
            **doc["passwordEncryptionConfiguration"],
            "encryptionSchemeFactor": 1000,
        }
        events = dict(doc["eventConfiguration"]["events"])
        events["user.create"] = {"enabled": True, "transactionType": "None"}
        doc["eventConfiguration"] = {"events": events}
        tenant.doc = doc
        _key, raw_key = apikeys.create(
            session, {"metaData": {"attributes": {"description": "bench"}}}
        )

    print(f"filling a backlog of {args.events} events ...", flush=True)
    fill_backlog(db, args.events, tenant_id)
    raw_rate, produced = raw_throughput(db, servers)
    print(f"raw producer: {raw_rate:,.0f} events/s", flush=True)
    relay_rate = relay_throughput(db, servers, produced)
    print(f"relay: {relay_rate:,.0f} events/s", flush=True)
    db.dispose()

    server = Server(db_url)
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
        "`.venv/bin/python bench/kafka.py`.",
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
    out = ROOT / "bench" / "results" / "kafka.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
