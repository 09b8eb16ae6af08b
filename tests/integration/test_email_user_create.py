"""End to end: POST /api/user with sendSetPasswordEmail queues the Setup Password e-mail,
which the worker delivers to a real SMTP server once the request has committed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from idstream import clock
from idstream.db import Database
from idstream.email.worker import EmailWorker
from tests.integration.test_email_delivery import (
    SmtpServer,
    configure_smtp,
    outbox,
    smtp_server,
    text_body,
)

__all__ = ["smtp_server"]  # the fixture, shared with the delivery tests


def test_created_user_receives_the_setup_password_email(
    client: TestClient, database: Database, smtp_server: SmtpServer
) -> None:
    configure_smtp(database, port=smtp_server.port)

    response = client.post(
        "/api/user",
        json={
            "user": {"email": "newuser@example.com", "firstName": "Ada"},
            "sendSetPasswordEmail": True,
        },
    )
    assert response.status_code == 200, response.text
    assert smtp_server.inbox.messages == []  # nothing leaves before the worker runs

    assert EmailWorker(database).run_once(clock.now_ms()) == 1

    [message] = smtp_server.inbox.messages
    assert message["To"] == "Ada <newuser@example.com>"
    assert message["Subject"] == "Set up your password"
    assert "newuser@example.com" in text_body(message)


def test_refused_user_create_sends_nothing(
    client: TestClient, database: Database, smtp_server: SmtpServer
) -> None:
    configure_smtp(database, port=smtp_server.port)
    first = {"user": {"email": "taken@example.com"}, "sendSetPasswordEmail": True}
    assert client.post("/api/user", json=first).status_code == 200
    EmailWorker(database).run_once(clock.now_ms())

    duplicate = client.post("/api/user", json=first)

    assert duplicate.status_code == 400
    assert len(outbox(database)) == 1
    assert EmailWorker(database).run_once(clock.now_ms()) == 0
    assert len(smtp_server.inbox.messages) == 1
