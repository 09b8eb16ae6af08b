"""A real HTTP receiver for webhook tests: a threaded http.server on 127.0.0.1 that records
every request and can be told to fail, to be slow, or to throttle.

    with Receiver() as receiver:
        receiver.fail_next(2)            # two 500s, then 200s
        receiver.fail_ratio(0.3, seed=1) # 30 % of requests at random
        receiver.delay(1.5)              # answer after 1.5 s
        receiver.throttle(1, retry_after=3)  # one 429 with Retry-After: 3
        ...
        receiver.stop(); receiver.start()    # down, then up again on the same port
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = self.json()["event"]
        return event


class Receiver:
    def __init__(self, port: int = 0, path: str = "/hook") -> None:
        self.port = port
        self.path = path
        self.requests: list[Received] = []
        self.success_count = 0
        self._lock = threading.Condition()
        self._fail_next = 0
        self._fail_status = 500
        self._ratio = 0.0
        self._random = random.Random(0)
        self._delay = 0.0
        self._throttle = 0
        self._retry_after = "1"
        self._always: int | None = None
        self._server: ThreadingHTTPServer | None = None
        self.start()

    # -- behaviour -----------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._fail_next, self._fail_status = count, status

    def fail_ratio(self, ratio: float, seed: int = 0, status: int = 500) -> None:
        with self._lock:
            self._ratio, self._random, self._fail_status = ratio, random.Random(seed), status

    def delay(self, seconds: float) -> None:
        with self._lock:
            self._delay = seconds

    def throttle(self, count: int, retry_after: str | int = 1) -> None:
        with self._lock:
            self._throttle, self._retry_after = count, str(retry_after)

    def answer(self, status: int | None) -> None:
        """Answer every request with `status` (None: back to normal)."""
        with self._lock:
            self._always = status

    # -- life ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="receiver", daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- what arrived --------------------------------------------------------------------
    @property
    def succeeded(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def events(self, *, delivered_only: bool = True) -> list[dict[str, Any]]:
        requests = self.succeeded if delivered_only else list(self.requests)
        return [r.event for r in requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait (on a condition, not a sleep) until `count` requests have succeeded."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.success_count < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    # -- internals -----------------------------------------------------------------------
    def _decide(self) -> tuple[int, dict[str, str], float]:
        with self._lock:
            if self._always is not None:
                return self._always, {}, self._delay
            if self._throttle > 0:
                self._throttle -= 1
                return 429, {"Retry-After": self._retry_after}, self._delay
            if self._fail_next > 0:
                self._fail_next -= 1
                return self._fail_status, {}, self._delay
            if self._ratio and self._random.random() < self._ratio:
                return self._fail_status, {}, self._delay
            return 200, {}, self._delay

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)
            if 200 <= received.status < 300:
                self.success_count += 1
            self._lock.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm each answer on a
            # kept-alive connection would wait for a delayed ACK.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, delay = receiver._decide()
                if delay:
                    time.sleep(delay)  # the receiver is slow: that is its behaviour
                # Recorded before answering: once the sender has its answer, the test sees it.
                receiver._record(
                    Received(
                        "POST",
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        status,
                    )
                )
                reply = b"{}" if 200 <= status < 300 else b'{"error":"receiver says no"}'
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


# -- helpers for tests that drive webhook delivery ----------------------------------------


def webhook_json(
    url: str,
    *events: str,
    tenant_ids: list[str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A FusionAuth webhook request body: global unless tenant_ids are given."""
    webhook: dict[str, Any] = {
        "url": url,
        "connectTimeout": 1000,
        "readTimeout": 2000,
        "eventsEnabled": {name: True for name in events},
        "global": tenant_ids is None,
        "tenantIds": tenant_ids or [],
    }
    webhook.update(fields)
    return {"webhook": webhook}


class FakeClock:
    """Stands in for idstream.clock.now_ms (monkeypatch it with `clock.now_ms`)."""

    def __init__(self, start_ms: int | None = None) -> None:
        self.now = start_ms if start_ms is not None else int(time.time() * 1000)

    def now_ms(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * 1000)
        return self.now


def deliver_until_done(dispatcher: Any, database: Any, clock: FakeClock, rounds: int = 500) -> int:
    """Run the dispatcher pass after pass, moving the fake clock straight to the next due
    retry, until no delivery is owed; returns the passes it took. Never sleeps."""
    from sqlalchemy import func, select

    from idstream.events import cursors
    from idstream.events.store import last_sequence
    from idstream.webhooks.deliveries import CURSOR
    from idstream.webhooks.models import PENDING, SENDING, WebhookDelivery

    for done in range(1, rounds + 1):
        dispatcher.run_once(clock.now)
        dispatcher.wait_idle()
        with database.read() as session:
            owed = session.scalar(
                select(func.min(WebhookDelivery.next_attempt_at)).where(
                    WebhookDelivery.status.in_((PENDING, SENDING))
                )
            )
            behind = cursors.get(session, CURSOR) < last_sequence(session)
        if owed is None and not behind:
            return done
        if owed is not None and owed > clock.now:
            # A second past the earliest retry, so that one pass takes many retries at once.
            clock.now = int(owed) + 1000
    raise AssertionError(f"deliveries still owed after {rounds} passes")
