"""Admin sessions: a signed cookie (HMAC-SHA256) holding the signed-in admin and the CSRF
token bound to it, the per-database signing secret, and the sign-in rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError

from idstream import clock
from idstream.db import Database
from idstream.system.models import Setting

COOKIE_NAME = "idstream_admin"
SECRET_SETTING = "admin.sessionSecret"
# A session lasts a working day; signing in again is cheap.
MAX_AGE_SECONDS = 12 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(data: dict[str, Any], secret: bytes) -> str:
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(value: str, secret: bytes, now_ms: int) -> dict[str, Any] | None:
    """The cookie's data, or None when it is forged, malformed or older than MAX_AGE."""
    body, _, mac = value.partition(".")
    try:
        expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("iat"), int):
        return None
    if now_ms - data["iat"] > MAX_AGE_SECONDS * 1000:
        return None
    return data


def load_secret(db: Database, configured: str | None) -> bytes:
    """The configured secret, else one generated on first use and kept in the database, so
    that every process serving the same database accepts the same cookies."""
    if configured:
        return configured.encode()
    with db.read() as session:
        row = session.get(Setting, SECRET_SETTING)
        if row is not None:
            return str(row.doc["secret"]).encode()
    try:
        with db.unit_of_work() as session:
            session.add(
                Setting(
                    name=SECRET_SETTING,
                    doc={"secret": secrets.token_urlsafe(48)},
                    last_update_instant=clock.now_ms(),
                )
            )
    except IntegrityError:
        pass  # another process stored one first: use theirs
    with db.read() as session:
        row = session.get(Setting, SECRET_SETTING)
        assert row is not None
        return str(row.doc["secret"]).encode()


_app_state_lock = threading.Lock()
T = TypeVar("T")


def _one_per_app(request: Request, name: str, make: Callable[[], T]) -> T:
    """The app's single `name` object, made by the first request that needs it: the lock keeps
    two requests arriving together from making one each."""
    state = request.app.state
    found: T | None = getattr(state, name, None)
    if found is None:
        with _app_state_lock:
            found = getattr(state, name, None)
            if found is None:
                found = make()
                setattr(state, name, found)
    return found


def app_secret(request: Request) -> bytes:
    state = request.app.state
    return _one_per_app(
        request,
        "admin_session_secret",
        lambda: load_secret(state.db, state.settings.session_secret),
    )


@dataclass
class AdminSession:
    """What the cookie carries. Anonymous visitors get one too, for the CSRF token of the
    sign-in and setup forms."""

    csrf: str
    user_id: str | None = None
    email: str | None = None
    issued: int = 0
    changed: bool = False

    @classmethod
    def fresh(cls, user_id: str | None = None, email: str | None = None) -> AdminSession:
        return cls(
            csrf=secrets.token_urlsafe(32),
            user_id=user_id,
            email=email,
            issued=clock.now_ms(),
            changed=True,
        )

    def to_data(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "uid": self.user_id, "email": self.email, "iat": self.issued}

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


def read_session(request: Request) -> AdminSession:
    """The request's session (cached on the request); a fresh anonymous one if none is valid."""
    cached: AdminSession | None = getattr(request.state, "admin_session", None)
    if cached is not None:
        return cached
    raw = request.cookies.get(COOKIE_NAME)
    data = unsign(raw, app_secret(request), clock.now_ms()) if raw else None
    if data and isinstance(data.get("csrf"), str):
        current = AdminSession(
            csrf=data["csrf"], user_id=data.get("uid"), email=data.get("email"), issued=data["iat"]
        )
    else:
        current = AdminSession.fresh()
    request.state.admin_session = current
    return current


def replace_session(request: Request, new: AdminSession) -> None:
    """Sign-in and sign-out start a new session (and a new CSRF token): a token seen before
    the change is useless after it."""
    new.changed = True
    request.state.admin_session = new


def write_cookie(request: Request, response: Response) -> None:
    current: AdminSession | None = getattr(request.state, "admin_session", None)
    if current is None or not current.changed:
        return
    response.set_cookie(
        COOKIE_NAME,
        sign(current.to_data(), app_secret(request)),
        max_age=MAX_AGE_SECONDS,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


@dataclass
class SignInLimiter:
    """At most `limit` failed sign-ins per address and e-mail in `window_ms`; in memory, so
    per process, which is enough to make guessing a password slow."""

    limit: int = 5
    window_ms: int = 60_000
    _failures: dict[tuple[str, str], deque[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: tuple[str, str], now: int) -> deque[int]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window_ms:
            times.popleft()
        return times

    def blocked(self, ip: str, email: str, now: int) -> bool:
        key = (ip, email.strip().lower())
        with self._lock:
            blocked = len(self._recent(key, now)) >= self.limit
            if not self._failures.get(key):
                self._failures.pop(key, None)
            return blocked

    def failed(self, ip: str, email: str, now: int) -> None:
        with self._lock:
            self._recent((ip, email.strip().lower()), now).append(now)

    def succeeded(self, ip: str, email: str) -> None:
        with self._lock:
            self._failures.pop((ip, email.strip().lower()), None)


def limiter(request: Request) -> SignInLimiter:
    return _one_per_app(request, "admin_sign_in_limiter", SignInLimiter)
