"""The HTTP call to a webhook receiver. It returns a result and never raises for what a
receiver or the network can do (refuse, time out, answer 5xx); it never touches the database."""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

SIGNATURE_HEADER = "X-FusionAuth-Signature-JWT"
# Answers worth trying again; any other 4xx means the receiver refuses this event for good.
RETRYABLE_STATUS = frozenset({408, 429})
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class Target:
    """Everything needed to call one webhook, read from its configuration beforehand."""

    webhook_id: str
    url: str
    connect_timeout_ms: int = 1000
    read_timeout_ms: int = 2000
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    ssl_certificate: str | None = None
    # Returns the X-FusionAuth-Signature-JWT value for a body; None when not signing.
    signer: Callable[[bytes], str] | None = None


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None
    retryable: bool
    error: str | None
    duration_ms: int
    retry_after_seconds: float | None = None


def display_url(url: str) -> str:
    """The URL without credentials, for logs and attempt records."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def private_address_reason(url: str) -> str | None:
    """Why the URL's host must not be called when private targets are denied, or None.
    Every address the name resolves to is checked, so one public record cannot hide a
    private one."""
    host = urlsplit(url).hostname
    if not host:
        return "the URL has no host"
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError) as error:
        return f"the host [{host}] does not resolve ({error})"
    for address in sorted(addresses):
        if _is_private(str(address)):
            return f"the host [{host}] resolves to the non-public address [{address}]"
    return None


def parse_retry_after(value: str | None, now_seconds: float) -> float | None:
    """Retry-After is either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now_seconds)


def classify(status_code: int) -> tuple[bool, bool]:
    """(ok, retryable) for an HTTP status. Redirects are never followed, so a 3xx fails."""
    if 200 <= status_code < 300:
        return True, False
    return False, status_code in RETRYABLE_STATUS or status_code >= 500


def _truncate(message: str) -> str:
    return message if len(message) <= MAX_ERROR_LENGTH else message[: MAX_ERROR_LENGTH - 1] + "…"


class Transport:
    """POSTs bodies to receivers. Thread-safe: one instance serves every dispatcher thread."""

    def __init__(self, *, deny_private: bool = False, max_connections: int = 200) -> None:
        self.deny_private = deny_private
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections // 2
        )
        self._clients: dict[str | None, httpx.Client] = {}
        self._lock = threading.Lock()

    def _client(self, certificate: str | None) -> httpx.Client:
        with self._lock:
            client = self._clients.get(certificate)
            if client is None:
                verify: ssl.SSLContext | bool = True
                if certificate:
                    # The webhook's own certificate is trusted in addition to the usual roots.
                    context = ssl.create_default_context()
                    context.load_verify_locations(cadata=certificate)
                    verify = context
                client = httpx.Client(
                    follow_redirects=False, verify=verify, limits=self._limits, trust_env=False
                )
                self._clients[certificate] = client
            return client

    def send(self, target: Target, body: bytes) -> SendResult:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        if self.deny_private:
            reason = private_address_reason(target.url)
            if reason is not None:
                return SendResult(False, None, False, f"Refused: {reason}.", elapsed())
        headers = {**target.headers, "Content-Type": "application/json"}
        if target.signer is not None:
            headers[SIGNATURE_HEADER] = target.signer(body)
        auth: httpx.Auth | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT
        if target.username is not None or target.password is not None:
            auth = httpx.BasicAuth(target.username or "", target.password or "")
        connect = target.connect_timeout_ms / 1000
        read = target.read_timeout_ms / 1000
        timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
        try:
            response = self._client(target.ssl_certificate).post(
                target.url, content=body, headers=headers, auth=auth, timeout=timeout
            )
        except httpx.TimeoutException as error:
            return SendResult(False, None, True, _truncate(f"Timeout: {error!r}"), elapsed())
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ssl.SSLError, ValueError) as error:
            return SendResult(False, None, False, _truncate(f"{error!r}"), elapsed())
        except httpx.HTTPError as error:
            return SendResult(False, None, True, _truncate(f"{error!r}"), elapsed())
        ok, retryable = classify(response.status_code)
        retry_after = None
        if not ok and response.status_code in RETRYABLE_STATUS | {503}:
            retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
        error_text = None if ok else f"HTTP {response.status_code}"
        return SendResult(ok, response.status_code, retryable, error_text, elapsed(), retry_after)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
