"""The `idstream` command as an operator runs it: serve on SQLite with no set-up, migrate,
api-key create, and a broken kickstart that stops start-up with a one-line reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import free_port, require_or_skip

IDSTREAM = str(Path(sys.executable).parent / "idstream")


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTREAM_", "FUSIONAUTH_"))}
    env.update(extra)
    env["IDSTREAM_DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'idstream.db'}"
    return env


def run_idstream(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IDSTREAM, *args],
        cwd=tmp_path,
        env=environment(tmp_path, **extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for_status(
    url: str, process: subprocess.Popen[str], timeout: float = 60.0
) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not answer in time")


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[tuple[str, httpx.Response]]:
    """`idstream serve [args]` in tmp_path, once it answers: (its base URL, its first
    /api/status answer). Stopped on leaving."""
    port = free_port()
    process = subprocess.Popen(
        [IDSTREAM, "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        yield url, wait_for_status(f"{url}/api/status", process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_status_on_sqlite_with_no_setup(tmp_path: Path) -> None:
    with serving(tmp_path) as (_url, response):
        assert response.status_code == 200
        assert (tmp_path / "data" / "idstream.db").exists()


def test_api_key_create_prints_a_working_key(tmp_path: Path) -> None:
    created = run_idstream(tmp_path, "api-key", "create", "--description", "ops")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert len(key) >= 32

    with serving(tmp_path) as (url, _status):
        tenants = httpx.get(f"{url}/api/tenant", headers={"Authorization": key})
        assert tenants.status_code == 200
        assert [t["name"] for t in tenants.json()["tenants"]] == ["Default"]


def test_broken_kickstart_stops_startup_with_a_clear_message(tmp_path: Path) -> None:
    kickstart = tmp_path / "kickstart.json"
    kickstart.write_text(
        json.dumps(
            {
                "apiKeys": [{"key": "a-kickstart-key-long-enough"}],
                "requests": [{"method": "POST", "url": "/api/tenant", "body": {"tenant": {}}}],
            }
        )
    )
    kickstart_env = {"FUSIONAUTH_APP_KICKSTART_FILE": str(kickstart)}
    done = run_idstream(tmp_path, "serve", "--port", str(free_port()), **kickstart_env)
    assert done.returncode != 0
    assert "Kickstart request #1 POST /api/tenant failed with status 400" in done.stderr
    assert "Traceback" not in done.stderr


def test_migrate_twice_is_harmless(tmp_path: Path) -> None:
    for _ in range(2):
        done = run_idstream(tmp_path, "migrate")
        assert done.returncode == 0, done.stderr
        assert "up to date" in done.stdout


def test_two_processes_starting_together_seed_once(tmp_path: Path) -> None:
    """The Default tenant and admin application are created exactly once."""
    processes = [
        subprocess.Popen(
            [IDSTREAM, "migrate"],
            cwd=tmp_path,
            env=environment(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    import sqlite3

    connection = sqlite3.connect(tmp_path / "data" / "idstream.db")
    assert connection.execute("select count(*) from tenants").fetchone()[0] == 1
    assert connection.execute("select count(*) from applications").fetchone()[0] == 1


def child_processes(port: str) -> list[int]:
    """Pids whose parent is the `idstream serve --port PORT` process (read from /proc)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            stats[int(entry.name)] = (command, parent)
    servers = {pid for pid, (command, _) in stats.items() if f"serve --port {port}" in command}
    return [pid for pid, (_, parent) in stats.items() if parent in servers]


def test_serve_with_two_worker_processes_shares_one_database(tmp_path: Path) -> None:
    created = run_idstream(tmp_path, "api-key", "create", "--description", "ops")
    headers = {"Authorization": created.stdout.strip()}

    with serving(tmp_path, "--workers", "2") as (url, _status):
        children = child_processes(url.rsplit(":", 1)[1])
        emails = [f"user{i}@example.com" for i in range(20)]
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            answers = [
                client.post("/api/user", json={"user": {"email": e, "password": "long enough"}})
                for e in emails
            ]
            found = client.post("/api/user/search", json={"search": {"queryString": "*"}})

    assert len(children) >= 2  # uvicorn's worker processes
    assert [a.status_code for a in answers] == [200] * 20
    assert found.json()["total"] == 20


def test_processes_starting_together_on_postgresql_seed_once(tmp_path: Path) -> None:
    """Several instances starting at once on one fresh PostgreSQL database: migrations run
    once (advisory lock) and the Default tenant and admin application exist exactly once."""
    base = os.environ.get("IDSTREAM_TEST_POSTGRES_URL")
    if not base:
        require_or_skip("PostgreSQL is not running: set IDSTREAM_TEST_POSTGRES_URL")
    assert base
    name = f"idstream_start_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        env = {**environment(tmp_path), "IDSTREAM_DATABASE_URL": url}
        starting = [
            subprocess.Popen(
                [IDSTREAM, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        for process in starting:
            _out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        seeded = create_engine(url)
        with seeded.connect() as connection:
            assert connection.execute(text("select count(*) from tenants")).scalar() == 1
            assert connection.execute(text("select count(*) from applications")).scalar() == 1
        seeded.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
