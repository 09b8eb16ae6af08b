"""Browser tests: a real idstream server (uvicorn on a free port, a temporary SQLite database,
background workers on) driven by Debian's Chromium through Playwright. No browser is ever
downloaded."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from idstream.app import create_app
from idstream.config import Settings
from idstream.db import Database
from idstream.system import bootstrap
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"
WIDTHS = ((1280, 900), (390, 844))


@dataclass
class RunningServer:
    url: str
    db: Database
    app: FastAPI

    def admin_url(self, path: str = "/") -> str:
        return f"{self.url}/admin{path}"


@dataclass
class _Uvicorn:
    server: uvicorn.Server
    thread: threading.Thread


def _start(app: FastAPI, port: int) -> _Uvicorn:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        # The event stream page holds a connection open; shutting down must not wait for it.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return _Uvicorn(server, thread)


def start_server(template: Path, directory: Path) -> tuple[RunningServer, _Uvicorn]:
    path = directory / "idstream.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    bootstrap.initialize(db)
    port = free_port()
    settings = Settings(database_url=url, run_workers=True, host="127.0.0.1", port=port)
    app = create_app(settings, db)
    handle = _start(app, port)
    return RunningServer(f"http://127.0.0.1:{port}", db, app), handle


def stop_server(running: RunningServer, handle: _Uvicorn) -> None:
    handle.server.should_exit = True
    handle.thread.join(15)
    running.db.dispose()


def create_admin(db: Database, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """The first admin, made through the same service the setup page calls."""
    from idstream.admin import accounts

    with db.unit_of_work() as session:
        created = accounts.create_first_admin(
            session, {"email": email, "firstName": "Ada", "lastName": "Admin"}, password, {}
        )
    assert created is not None


@pytest.fixture(scope="module")
def server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A running server with one admin, shared by the tests of a module."""
    running, handle = start_server(sqlite_template, tmp_path_factory.mktemp("server"))
    create_admin(running.db)
    yield running
    stop_server(running, handle)


@pytest.fixture
def fresh_server(sqlite_template: Path, tmp_path: Path) -> Iterator[RunningServer]:
    """A running server on a database without any admin yet (first run)."""
    running, handle = start_server(sqlite_template, tmp_path)
    yield running
    stop_server(running, handle)


# Per module, not per session: while Playwright's sync API runs, an asyncio loop is marked as
# running on the main thread, which would break later tests that start their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        from tests.conftest import require_or_skip

        require_or_skip("Chromium is not installed: run scripts/browser-deps")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    # Pages wait on a real server and its workers on a small shared machine.
    expect.set_options(timeout=15_000)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Any, server: RunningServer) -> None:
    page.goto(server.admin_url("/login"))
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/admin/login" not in url)


@pytest.fixture
def admin_page(page: Any, server: RunningServer) -> Any:
    """A browser tab signed in as the admin of `server`."""
    sign_in(page, server)
    return page


def screenshots(page: Any, name: str) -> None:
    """artifacts/screenshots/<name>-<width>.png at desktop and phone widths; the phone
    layout must not scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        window_width = page.evaluate("window.innerWidth")
        assert scroll_width <= window_width, (
            f"{name} scrolls sideways at {width}px: {scroll_width}px wide"
        )
    page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
