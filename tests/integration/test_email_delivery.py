"""E-mail delivery: the outbox, the worker, a real SMTP server (aiosmtpd) on loopback, and
the event log entry FusionAuth writes when sending fails."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import select

from idstream import clock
from idstream.db import Database
from idstream.email import service
from idstream.email.models import OutboxEmail
from idstream.email.worker import EmailWorker
from idstream.eventlog.models import EventLog
from idstream.events.store import StoredEvent
from idstream.tenants import service as tenants
from tests.conftest import free_port

USER = {
    "id": "00000000-0000-4000-8000-000000000001",
    "email": "newuser@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
}


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox


@contextmanager
def running_smtp(**options: Any) -> Iterator[SmtpServer]:
    """An aiosmtpd server on loopback; `options` go to its Controller (TLS, authentication)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer(port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


def configure_smtp(database: Database, **config: Any) -> str:
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        email_config = {
            "host": "127.0.0.1",
            "security": "NONE",
            "defaultFromEmail": "no-reply@idstream.test",
            "defaultFromName": "idstream",
            **config,
        }
        tenants.update(
            session, tenant, {"tenant": {"emailConfiguration": email_config}}, patch=True
        )
        return tenant.id


def queue_setup_password(database: Database, user: dict[str, Any] = USER) -> None:
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        service.queue_setup_password_email(session, tenant, user)


def send_setup_password(database: Database, **email_config: Any) -> None:
    """Point the tenant at an SMTP server, queue the Setup Password e-mail, and run the
    worker once."""
    configure_smtp(database, **email_config)
    queue_setup_password(database)
    EmailWorker(database).run_once(clock.now_ms())


def create_template(database: Database, **template: str) -> str:
    with database.unit_of_work() as session:
        return service.create(session, {"emailTemplate": template}).id


def outbox(database: Database) -> list[OutboxEmail]:
    with database.read() as session:
        rows = list(session.scalars(select(OutboxEmail)))
        session.expunge_all()  # keep them readable after the read session ends
        return rows


def event_log(database: Database) -> list[EventLog]:
    with database.read() as session:
        entries = list(session.scalars(select(EventLog).order_by(EventLog.id)))
        session.expunge_all()
        return entries


def text_body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_setup_password_email_reaches_the_smtp_server(
    database: Database, smtp_server: SmtpServer
) -> None:
    configure_smtp(database, port=smtp_server.port)
    queue_setup_password(database)

    sent = EmailWorker(database).run_once(clock.now_ms())

    assert sent == 1
    [message] = smtp_server.inbox.messages
    assert smtp_server.inbox.recipients == [["newuser@example.com"]]
    assert message["To"] == "Ada Lovelace <newuser@example.com>"
    assert message["From"] == "idstream <no-reply@idstream.test>"
    assert message["Subject"] == "Set up your password"
    body = text_body(message)
    assert "newuser@example.com" in body
    assert "Hello Ada," in body
    assert "/password/change/" in body
    [row] = outbox(database)
    assert row.status == "sent"
    assert event_log(database) == []


def test_rolled_back_transaction_queues_nothing(
    database: Database, smtp_server: SmtpServer
) -> None:
    configure_smtp(database, port=smtp_server.port)

    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        service.queue_setup_password_email(session, tenant, USER)
        raise RuntimeError("the user could not be created")

    assert outbox(database) == []
    assert EmailWorker(database).run_once(clock.now_ms()) == 0
    assert smtp_server.inbox.messages == []


def test_sent_email_is_not_sent_again(database: Database, smtp_server: SmtpServer) -> None:
    configure_smtp(database, port=smtp_server.port)
    queue_setup_password(database)
    worker = EmailWorker(database)
    worker.run_once(clock.now_ms())

    assert worker.run_once(clock.now_ms() + 3_600_000) == 0
    assert len(smtp_server.inbox.messages) == 1


def test_unreachable_server_writes_the_async_email_error_to_the_event_log(
    database: Database,
) -> None:
    port = free_port()
    tenant_id = configure_smtp(database, port=port)
    queue_setup_password(database)

    EmailWorker(database).run_once(clock.now_ms())

    [entry] = event_log(database)
    assert entry.type == "Error"
    head, cause = entry.message.split("\n\nCause:\n")
    assert head == (
        "Async Email Send exception occurred.\n\n"
        f"Template Id: {service.SETUP_PASSWORD_TEMPLATE_ID}\n"
        "Template Name: [idstream Default] Setup Password\n"
        f"Tenant Id: {tenant_id}\n"
        "Addressed to: newuser@example.com"
    )
    assert cause.startswith(
        f"ConnectionRefusedError : Message: Couldn't connect to host, port: 127.0.0.1, {port}"
    )


def test_unreachable_server_records_event_log_create(database: Database) -> None:
    send_setup_password(database, port=free_port())

    [entry] = event_log(database)
    with database.read() as session:
        [payload] = session.scalars(
            select(StoredEvent.payload).where(StoredEvent.type == "event-log.create")
        ).all()
    event = json.loads(payload)["event"]
    assert sorted(event) == ["createInstant", "eventLog", "id", "type"]
    assert event["eventLog"] == {
        "id": entry.id,
        "insertInstant": entry.insert_instant,
        "message": entry.message,
        "type": "Error",
    }


def test_failed_send_is_retried_with_backoff(database: Database, smtp_server: SmtpServer) -> None:
    # Given a first attempt against a closed port
    configure_smtp(database, port=free_port())
    queue_setup_password(database)
    worker = EmailWorker(database, retry_base_seconds=30)
    now = clock.now_ms()
    worker.run_once(now)
    [row] = outbox(database)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + 30_000)

    # When the server is fixed: not retried before the backoff ends, then delivered
    configure_smtp(database, port=smtp_server.port)
    assert worker.run_once(now + 29_999) == 0
    assert worker.run_once(now + 30_000) == 1

    assert len(smtp_server.inbox.messages) == 1
    assert outbox(database)[0].status == "sent"


def test_gives_up_after_the_last_attempt(database: Database) -> None:
    configure_smtp(database, port=free_port())
    queue_setup_password(database)
    worker = EmailWorker(database, max_attempts=3, retry_base_seconds=1)
    now = clock.now_ms()

    for _ in range(5):
        worker.run_once(now)
        now += 3_600_000

    [row] = outbox(database)
    assert (row.status, row.attempts) == ("failed", 3)
    assert len(event_log(database)) == 3


def test_tenant_template_choice_is_used(database: Database, smtp_server: SmtpServer) -> None:
    template_id = create_template(
        database,
        name="Welcome aboard",
        defaultSubject="Hi {{ user.firstName }}",
        defaultTextTemplate="Set it here: {{ setupPasswordUrl }}",
        defaultHtmlTemplate="<p>{{ user.email }}</p>",
        fromEmail="welcome@idstream.test",
    )

    send_setup_password(database, port=smtp_server.port, setPasswordEmailTemplateId=template_id)

    [message] = smtp_server.inbox.messages
    assert message["Subject"] == "Hi Ada"
    assert message["From"] == "idstream <welcome@idstream.test>"
    assert text_body(message).startswith("Set it here: http://localhost:9011/password/change/")


def test_broken_template_fails_once_without_retrying(
    database: Database, smtp_server: SmtpServer
) -> None:
    template_id = create_template(
        database,
        name="Divides by zero",
        defaultSubject="{{ 1 / 0 }}",
        defaultTextTemplate="text",
        defaultHtmlTemplate="html",
    )

    send_setup_password(database, port=smtp_server.port, setPasswordEmailTemplateId=template_id)

    [row] = outbox(database)
    assert row.status == "failed"
    [entry] = event_log(database)
    assert "Template Name: Divides by zero" in entry.message
    assert "TemplateRenderError : Message: ZeroDivisionError" in entry.message
    assert smtp_server.inbox.messages == []


def test_user_without_email_queues_nothing(database: Database) -> None:
    queue_setup_password(database, {"id": USER["id"], "username": "ada"})
    assert outbox(database) == []
