"""The SMTP transport: sends one message with a tenant's settings and returns what happened.
Expected failures (refused connection, bad credentials, rejected recipient) are results, not
exceptions, so that the worker decides what to retry."""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # NONE: plain; TLS: STARTTLS after connecting; SSL: TLS from the first byte
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_tenant_doc(cls, doc: dict[str, Any]) -> SmtpSettings:
        config = doc.get("emailConfiguration") or {}
        return cls(
            host=config.get("host") or "localhost",
            port=int(config.get("port") or 25),
            security=config.get("security") or "NONE",
            username=config.get("username") or None,
            password=config.get("password") or None,
        )


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retryable: bool = False
    error_class: str | None = None
    error: str | None = None
    duration_ms: int = 0


def send(
    settings: SmtpSettings, message: EmailMessage, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> SendResult:
    started = time.monotonic()

    def result(
        ok: bool,
        retryable: bool = False,
        error: BaseException | None = None,
        text: str | None = None,
    ) -> SendResult:
        return SendResult(
            ok=ok,
            retryable=retryable,
            error_class=exception_name(error) if error is not None else None,
            error=_scrub(text, settings) if text is not None else None,
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    try:
        client = _connect(settings, timeout)
    except (OSError, smtplib.SMTPException) as error:
        where = f"Couldn't connect to host, port: {settings.host}, {settings.port}"
        return result(False, True, error, f"{where}; timeout {timeout:g}s; {error}")
    try:
        with client:
            if settings.security == "TLS":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        return result(False, any(c < 500 for c in codes), error, _recipients_text(error))
    except smtplib.SMTPResponseException as error:
        # 4xx is the server's "try again later"; 5xx will not change by retrying the same
        # message, except a login refused, which an administrator may fix meanwhile.
        permanent = error.smtp_code >= 500 and not isinstance(
            error, smtplib.SMTPAuthenticationError
        )
        return result(False, not permanent, error, _response_text(error))
    except (OSError, smtplib.SMTPException) as error:
        return result(False, True, error, str(error) or type(error).__name__)
    return result(True)


def exception_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    if settings.security == "SSL":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=timeout)


def _response_text(error: smtplib.SMTPResponseException) -> str:
    reply = error.smtp_error
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{error.smtp_code} {text}"


def _recipients_text(error: smtplib.SMTPRecipientsRefused) -> str:
    parts = []
    for address, (code, reply) in error.recipients.items():
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        parts.append(f"{address}: {code} {text}")
    return "Recipients refused: " + "; ".join(parts)


def _scrub(text: str, settings: SmtpSettings) -> str:
    # A server may echo what it was sent; the password must not reach a log or an event.
    if settings.password and settings.password in text:
        text = text.replace(settings.password, "********")
    return text
