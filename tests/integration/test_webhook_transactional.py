"""Transactional webhooks: under each transactionType, too few successful webhooks roll the
change back with 504 [WebhookTransactionException]; a committed change retries the
webhooks that failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idstream.config import Settings
from idstream.db import Database
from idstream.events.store import StoredEvent
from idstream.webhooks.dispatcher import Dispatcher
from tests.receivers import FakeClock, Receiver, deliver_until_done, webhook_json


def configure_tenant(client: TestClient, tenant_id: str, events: dict[str, str]) -> None:
    body = {
        "tenant": {
            "eventConfiguration": {
                "events": {
                    name: {"enabled": True, "transactionType": kind}
                    for name, kind in events.items()
                }
            },
            "passwordEncryptionConfiguration": {"encryptionSchemeFactor": 1},
        }
    }
    response = client.patch(f"/api/tenant/{tenant_id}", json=body)
    assert response.status_code == 200, response.text


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    with ExitStack() as stack:
        yield [stack.enter_context(Receiver()) for _ in range(4)]


def create_user(client: TestClient, email: str) -> Any:
    return client.post("/api/user", json={"user": {"email": email, "password": "correct horse"}})


def user_exists(client: TestClient, email: str) -> bool:
    return client.get("/api/user", params={"email": email}).status_code == 200


def stored_events(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(StoredEvent)) or 0)


@pytest.mark.parametrize(
    ("transaction_type", "succeeding", "total", "commits"),
    [
        ("Any", 0, 2, False),
        ("Any", 1, 3, True),
        ("SimpleMajority", 1, 2, False),
        ("SimpleMajority", 2, 3, True),
        ("SuperMajority", 2, 4, False),
        ("SuperMajority", 2, 3, True),
        ("AbsoluteMajority", 2, 3, False),
        ("AbsoluteMajority", 3, 3, True),
    ],
)
def test_transaction_commits_only_with_enough_webhooks(
    client: TestClient,
    database: Database,
    default_tenant_id: str,
    receivers: list[Receiver],
    transaction_type: str,
    succeeding: int,
    total: int,
    commits: bool,
) -> None:
    configure_tenant(client, default_tenant_id, {"user.create": transaction_type})
    for index, receiver in enumerate(receivers[:total]):
        if index >= succeeding:
            receiver.answer(500)
        client.post("/api/webhook", json=webhook_json(receiver.url, "user.create"))
    before = stored_events(database)

    response = create_user(client, "tx@example.com")

    assert all(len(r.requests) == 1 for r in receivers[:total])  # called before the commit
    if commits:
        assert response.status_code == 200, response.text
        assert user_exists(client, "tx@example.com")
        assert stored_events(database) > before
    else:
        assert response.status_code == 504, response.text
        [error] = response.json()["generalErrors"]
        assert error["code"] == "[WebhookTransactionException]"
        assert not user_exists(client, "tx@example.com")
        assert stored_events(database) == before


def test_webhooks_that_failed_a_committed_transaction_are_retried(
    client: TestClient,
    database: Database,
    settings: Settings,
    default_tenant_id: str,
    receivers: list[Receiver],
    clock: FakeClock,
) -> None:
    configure_tenant(client, default_tenant_id, {"user.create": "Any"})
    ok, failing = receivers[0], receivers[1]
    failing.fail_next(1)
    for receiver in (ok, failing):
        client.post("/api/webhook", json=webhook_json(receiver.url, "user.create"))
    assert create_user(client, "retry@example.com").status_code == 200

    dispatcher = Dispatcher(database, settings)
    try:
        deliver_until_done(dispatcher, database, clock)
    finally:
        dispatcher.close()

    assert [r.status for r in ok.requests] == [200]  # not sent again
    assert [r.status for r in failing.requests] == [500, 200]
    [event] = ok.events()
    logs = client.post("/api/system/webhook-event-log/search", json={"search": {}}).json()
    log = next(log for log in logs["webhookEventLogs"] if log["id"] == event["id"])
    assert (log["successfulAttempts"], log["failedAttempts"]) == (2, 1)
    assert log["eventResult"] == "Succeeded"


def test_transaction_type_none_never_holds_the_change(
    client: TestClient, default_tenant_id: str, receivers: list[Receiver]
) -> None:
    configure_tenant(client, default_tenant_id, {"user.create": "None"})
    receivers[0].answer(500)
    client.post("/api/webhook", json=webhook_json(receivers[0].url, "user.create"))

    assert create_user(client, "none@example.com").status_code == 200
    assert receivers[0].requests == []  # sent later, by the dispatcher


def test_non_transactional_event_is_never_held(
    client: TestClient, default_tenant_id: str, receivers: list[Receiver]
) -> None:
    configure_tenant(client, default_tenant_id, {"user.create.complete": "AbsoluteMajority"})
    receivers[0].answer(500)
    client.post("/api/webhook", json=webhook_json(receivers[0].url, "user.create.complete"))

    assert create_user(client, "complete@example.com").status_code == 200
    assert receivers[0].requests == []


def test_unreachable_webhook_fails_the_transaction(
    client: TestClient, default_tenant_id: str, receivers: list[Receiver]
) -> None:
    configure_tenant(client, default_tenant_id, {"user.create": "Any"})
    receivers[0].stop()
    client.post("/api/webhook", json=webhook_json(receivers[0].url, "user.create"))

    response = create_user(client, "down@example.com")

    assert response.status_code == 504
    assert not user_exists(client, "down@example.com")
