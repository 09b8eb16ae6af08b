"""Webhook event and attempt logs, redelivery, and test events, against real receivers."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idstream.db import Database
from idstream.events import catalogue, store
from idstream.webhooks.dispatcher import Dispatcher
from tests.integration.webhook_helpers import add_webhook
from tests.receivers import FakeClock, Receiver, deliver_until_done


def record(
    database: Database, event_type: catalogue.EventType = catalogue.USER_CREATE, **subject: Any
) -> store.PendingEvent:
    """An event linked to user u1: the log shows it as the event's linkedObjectId."""
    with database.unit_of_work() as session:
        return store.record(session, event_type, subject or {"user": {"id": "u1"}}, user_id="u1")


def event_log(client: TestClient, event_id: str) -> dict[str, Any]:
    response = client.get(f"/api/system/webhook-event-log/{event_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["webhookEventLog"]
    return found


def test_event_log_shows_each_attempt_as_it_happened(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    webhook_id = add_webhook(client, receiver.url, "user.create")
    event = record(database)
    assert event_log(client, event.id)["eventResult"] == "Running"
    receiver.fail_next(1, status=503)

    deliver_until_done(dispatcher, database, clock)

    log = event_log(client, event.id)
    assert log["event"] == json.loads(event.payload)
    assert log["eventType"] == "user.create"
    assert log["eventResult"] == "Succeeded"
    assert log["linkedObjectId"] == "u1"
    assert (log["failedAttempts"], log["successfulAttempts"]) == (1, 1)
    assert [a["attemptResult"] for a in log["attempts"]] == ["Failure", "Success"]
    assert [a["webhookCallResponse"]["statusCode"] for a in log["attempts"]] == [503, 200]
    assert all(a["webhookId"] == webhook_id for a in log["attempts"])
    assert log["lastAttemptInstant"] == log["attempts"][-1]["endInstant"]
    assert log["deliveries"] == [
        {
            "attempts": 2,
            "lastAttemptInstant": log["lastAttemptInstant"],
            "lastStatusCode": 200,
            "status": "succeeded",
            "webhookId": webhook_id,
        }
    ]

    failed = log["attempts"][0]
    attempt = client.get(f"/api/system/webhook-attempt-log/{failed['id']}").json()
    attempt = attempt["webhookAttemptLog"]
    assert attempt["webhookEventLogId"] == event.id
    assert attempt["webhookCallResponse"] == {
        "exception": "HTTP 503",
        "statusCode": 503,
        "url": receiver.url,
    }
    assert attempt["data"]["durationInMillis"] == attempt["endInstant"] - attempt["startInstant"]
    assert len(receiver.requests) == 2


def test_event_that_failed_for_good_is_marked_failed(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    event = record(database)
    receiver.answer(410)

    deliver_until_done(dispatcher, database, clock)

    log = event_log(client, event.id)
    assert log["eventResult"] == "Failed"
    assert log["deliveries"][0]["status"] == "failed"


def test_unknown_logs_are_404(client: TestClient) -> None:
    missing = "6a2bd0a5-7e2d-4d6b-9d7f-1f4f2b9f2c11"
    assert client.get(f"/api/system/webhook-event-log/{missing}").status_code == 404
    assert client.get(f"/api/system/webhook-attempt-log/{missing}").status_code == 404
    assert client.get("/api/system/webhook-event-log/nope").status_code == 400


def test_search_filters_by_type_result_and_text(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    created = [record(database, user={"id": f"user-{n}", "email": f"n{n}@x.io"}) for n in range(3)]
    audit = record(database, catalogue.AUDIT_LOG_CREATE, auditLog={"message": "hello"})
    deliver_until_done(dispatcher, database, clock)
    pending = record(database)

    def search(**criteria: Any) -> tuple[list[str], int]:
        response = client.post("/api/system/webhook-event-log/search", json={"search": criteria})
        assert response.status_code == 200, response.text
        body = response.json()
        return [log["id"] for log in body["webhookEventLogs"]], body["total"]

    everything = [pending.id, audit.id] + [e.id for e in reversed(created)]
    assert search() == (everything, 5)
    assert search(eventType="audit-log.create") == ([audit.id], 1)
    assert search(eventResult="Running") == ([pending.id], 1)
    assert search(event="n1@x.io") == ([created[1].id], 1)
    assert search(event="user-*@") == ([], 0)
    assert search(orderBy="sequence ASC", numberOfResults=2, startRow=1) == (
        [created[1].id, created[2].id],
        5,
    )
    assert search(start=clock.now + 120_000) == ([], 0)
    bad = client.post("/api/system/webhook-event-log/search", json={"search": {"eventResult": "x"}})
    assert bad.status_code == 400
    assert "search.eventResult" in bad.json()["fieldErrors"]


def test_redeliver_sends_the_event_again_to_every_webhook_it_went_to(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    with Receiver() as one, Receiver() as two:
        add_webhook(client, one.url, "user.create")
        add_webhook(client, two.url, "user.create")
        event = record(database)
        deliver_until_done(dispatcher, database, clock)

        response = client.post(f"/api/system/webhook-event-log/{event.id}/redeliver")
        assert response.status_code == 200, response.text
        assert response.json()["webhookEventLog"]["eventResult"] == "Running"
        deliver_until_done(dispatcher, database, clock)

        assert [e["id"] for e in one.events()] == [event.id, event.id]
        assert [r.body for r in two.requests] == [event.payload, event.payload]
        assert event_log(client, event.id)["successfulAttempts"] == 4


def test_redeliver_to_one_webhook(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    with Receiver() as one, Receiver() as two:
        add_webhook(client, one.url, "user.create")
        chosen = add_webhook(client, two.url, "user.create")
        event = record(database)
        deliver_until_done(dispatcher, database, clock)

        response = client.post(
            f"/api/system/webhook-event-log/{event.id}/redeliver", json={"webhookId": chosen}
        )
        assert response.json()["webhookIds"] == [chosen]
        deliver_until_done(dispatcher, database, clock)

        assert len(one.requests) == 1
        assert len(two.requests) == 2


def test_redeliver_refuses_unknown_event_and_webhook(
    client: TestClient, database: Database, clock: FakeClock
) -> None:
    event = record(database)
    missing = "6a2bd0a5-7e2d-4d6b-9d7f-1f4f2b9f2c11"
    assert client.post(f"/api/system/webhook-event-log/{missing}/redeliver").status_code == 404
    response = client.post(
        f"/api/system/webhook-event-log/{event.id}/redeliver", json={"webhookId": missing}
    )
    assert response.status_code == 400
    assert "webhookId" in response.json()["fieldErrors"]


def test_test_event_is_sent_and_not_logged(
    client: TestClient, database: Database, receiver: Receiver
) -> None:
    webhook_id = add_webhook(client, receiver.url, "user.create")

    response = client.post(
        f"/api/webhook/{webhook_id}/test", json={"event": {"type": "user.create"}}
    )

    assert response.status_code == 200, response.text
    assert response.json()["attemptResult"] == "Success"
    assert response.json()["webhookCallResponse"]["statusCode"] == 200
    [received] = receiver.events()
    assert received["type"] == "user.create"
    assert received["user"]["email"]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(store.StoredEvent)) == 0


def test_test_event_reports_a_failing_receiver(client: TestClient, receiver: Receiver) -> None:
    webhook_id = add_webhook(client, receiver.url, "user.create")
    receiver.answer(500)

    response = client.post(
        f"/api/webhook/{webhook_id}/test", json={"event": {"type": "user.delete"}}
    )

    assert response.json()["attemptResult"] == "Failure"
    assert response.json()["webhookCallResponse"]["statusCode"] == 500


def test_test_event_needs_a_known_type(client: TestClient, receiver: Receiver) -> None:
    webhook_id = add_webhook(client, receiver.url, "user.create")
    response = client.post(f"/api/webhook/{webhook_id}/test", json={"event": {"type": "x.y"}})
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["event.type"][0]["code"] == "[invalid]event.type"
    assert receiver.requests == []
