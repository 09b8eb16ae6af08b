"""The `idstream` command as an operator runs it: serve on SQLite with no set-up, migrate,
api-key create, and a broken kickstart that stops start-up with a one-line reason."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

IDSTREAM = str(Path(sys.executable).parent / "idstream")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTREAM_", "FUSIONAUTH_"))}
    env.update(extra)
    env["IDSTREAM_DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'idstream.db'}"
    return env


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


def test_serve_answers_status_on_sqlite_with_no_setup(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [IDSTREAM, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = wait_for_status(f"http://127.0.0.1:{port}/api/status", process)
        assert response.status_code == 200
        assert (tmp_path / "data" / "idstream.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_api_key_create_prints_a_working_key(tmp_path: Path) -> None:
    created = subprocess.run(
        [IDSTREAM, "api-key", "create", "--description", "ops"],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert len(key) >= 32

    port = free_port()
    process = subprocess.Popen(
        [IDSTREAM, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_status(f"http://127.0.0.1:{port}/api/status", process)
        tenants = httpx.get(f"http://127.0.0.1:{port}/api/tenant", headers={"Authorization": key})
        assert tenants.status_code == 200
        assert [t["name"] for t in tenants.json()["tenants"]] == ["Default"]
    finally:
        process.terminate()
        process.wait(timeout=30)


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
    done = subprocess.run(
        [IDSTREAM, "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env=environment(tmp_path, FUSIONAUTH_APP_KICKSTART_FILE=str(kickstart)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Kickstart request #1 POST /api/tenant failed with status 400" in done.stderr
    assert "Traceback" not in done.stderr


def test_migrate_twice_is_harmless(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run(
            [IDSTREAM, "migrate"],
            cwd=tmp_path,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
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
