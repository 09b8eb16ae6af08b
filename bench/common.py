"""Shared by the benchmarks: a prepared database, `idstream serve` in its own process, user
creates through the API at full speed or a steady rate, percentiles, and the results file.
Not a benchmark itself (no main)."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from idstream import migrate
from idstream.auth import apikeys
from idstream.db import Database
from idstream.system import bootstrap
from idstream.tenants import service as tenants

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "correct horse battery"


def database_url(given: str | None) -> str:
    """The --database-url given, or a fresh SQLite file."""
    return given or f"sqlite:///{tempfile.mkdtemp(prefix='idstream-bench-')}/bench.db"


def prepare(db_url: str) -> tuple[Database, str, str]:
    """Migrate and seed the database, and make the default tenant cheap to create users in and
    emit user.create. Returns (database, default tenant id, an API key)."""
    db = Database(db_url)
    migrate.upgrade(db)
    bootstrap.initialize(db)
    with db.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        doc = dict(tenant.doc)
        # A cheap password hash, so that the API's CPU goes to the request, not to PBKDF2.
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
        return db, tenant.id, raw_key


class Server:
    """`idstream serve` in its own process, with its workers (the relay and the webhook
    dispatcher among them)."""

    def __init__(self, db_url: str, workers: int = 1) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "IDSTREAM_DATABASE_URL": db_url, "IDSTREAM_PORT": str(self.port)}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "idstream"), "serve", "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/status").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("idstream serve did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@dataclass(frozen=True)
class UserCreate:
    user_id: str
    latency: float  # seconds from the request to its answer
    answered_at: float  # time.time() of the answer, to compare with other processes' clocks


def create_users(
    url: str, key: str, count: int, *, threads: int, rate: float | None = None
) -> tuple[float, list[UserCreate]]:
    """`count` user creates through the API from `threads` clients, as fast as it answers or
    at a steady `rate` per second: (creates per second, each create)."""
    local = threading.local()
    created: list[UserCreate] = []
    started = time.perf_counter()

    def one(number: int) -> None:
        if rate:
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        client = getattr(local, "client", None) or httpx.Client(headers={"Authorization": key})
        local.client = client
        body = {"user": {"email": f"{uuid.uuid4().hex}@example.com", "password": PASSWORD}}
        sent = time.perf_counter()
        response = client.post(f"{url}/api/user", json=body, timeout=60)
        latency = time.perf_counter() - sent
        if response.status_code != 200:
            raise RuntimeError(f"user create failed: {response.status_code} {response.text}")
        created.append(UserCreate(response.json()["user"]["id"], latency, time.time()))

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(one, n) for n in range(count)]:
            future.result()
    return count / (time.perf_counter() - started), created


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def write_result(name: str, lines: list[str]) -> None:
    out = RESULTS / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")
