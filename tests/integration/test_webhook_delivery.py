"""The dispatcher against real local HTTP receivers: routing, retries, restarts, signing,
ordering, concurrency and retention. The clock is fake; nothing sleeps."""

from __future__ import annotations

import base64

import jwt
from fastapi.testclient import TestClient

from idstream.config import Settings
from idstream.db import Database
from idstream.events import catalogue
from idstream.webhooks import signing
from idstream.webhooks.dispatcher import Dispatcher
from idstream.webhooks.models import FAILED, PENDING, SUCCEEDED
from tests.integration.webhook_helpers import add_webhook, deliveries, record
from tests.receivers import FakeClock, Receiver, deliver_until_done


def test_tenant_event_goes_to_webhooks_of_its_tenant_with_the_type_enabled(
    client: TestClient, database: Database, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    tenant = client.post("/api/tenant", json={"tenant": {"name": "Other"}}).json()["tenant"]
    default = client.get("/api/tenant").json()["tenants"][0]["id"]
    with (
        Receiver() as everyone,
        Receiver() as mine,
        Receiver() as theirs,
        Receiver() as other_type,
    ):
        add_webhook(client, everyone.url, "user.create")
        add_webhook(client, mine.url, "user.create", tenant_ids=[default])
        add_webhook(client, theirs.url, "user.create", tenant_ids=[tenant["id"]])
        add_webhook(client, other_type.url, "user.delete")
        event = record(database, catalogue.USER_CREATE, tenant_id=default)

        deliver_until_done(dispatcher, database, clock)

        assert [e["id"] for e in everyone.events()] == [event.id]
        assert [e["id"] for e in mine.events()] == [event.id]
        assert theirs.requests == []
        assert other_type.requests == []


def test_system_event_goes_to_every_webhook_that_enables_it(
    client: TestClient, database: Database, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    tenant = client.post("/api/tenant", json={"tenant": {"name": "Other"}}).json()["tenant"]
    with Receiver() as scoped, Receiver() as not_enabled:
        add_webhook(client, scoped.url, "audit-log.create", tenant_ids=[tenant["id"]])
        add_webhook(client, not_enabled.url, "user.create")
        event = record(database, catalogue.AUDIT_LOG_CREATE, auditLog={"id": 1})

        deliver_until_done(dispatcher, database, clock)

        assert [e["id"] for e in scoped.events()] == [event.id]
        assert not_enabled.requests == []


def test_request_carries_stored_bytes_headers_and_basic_auth(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(
        client,
        receiver.url,
        "user.create",
        headers={"X-Game": "chess"},
        httpAuthenticationUsername="fa",
        httpAuthenticationPassword="pw:1",
    )
    event = record(database)

    deliver_until_done(dispatcher, database, clock)

    [request] = receiver.requests
    assert request.body == event.payload
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-game"] == "chess"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"fa:pw:1").decode()
    assert "x-fusionauth-signature-jwt" not in request.headers


def test_failing_receiver_gets_the_event_once_it_recovers(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    event = record(database)
    receiver.fail_next(3)

    dispatcher.run_once(clock.now)
    dispatcher.wait_idle()
    [delivery] = deliveries(database)
    assert delivery.status == PENDING
    assert 0 < delivery.next_attempt_at - clock.now <= 1000  # first retry within a second

    deliver_until_done(dispatcher, database, clock)

    assert [r.status for r in receiver.requests] == [500, 500, 500, 200]
    assert [e["id"] for e in receiver.events()] == [event.id]
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts) == (SUCCEEDED, 4)


def test_client_error_fails_at_once(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    record(database)
    receiver.answer(400)

    deliver_until_done(dispatcher, database, clock)

    assert len(receiver.requests) == 1
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.last_status_code) == (FAILED, 400)


def test_redirect_is_not_followed(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    record(database)
    receiver.answer(307)

    deliver_until_done(dispatcher, database, clock)

    assert len(receiver.requests) == 1
    assert deliveries(database)[0].status == FAILED


def test_429_waits_as_long_as_retry_after_says(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    record(database)
    receiver.throttle(1, retry_after=30)

    dispatcher.run_once(clock.now)
    dispatcher.wait_idle()

    [delivery] = deliveries(database)
    assert delivery.status == PENDING
    assert delivery.next_attempt_at - clock.now >= 30_000
    dispatcher.run_once(clock.advance(29))
    dispatcher.wait_idle()
    assert len(receiver.requests) == 1
    deliver_until_done(dispatcher, database, clock)
    assert [r.status for r in receiver.requests] == [429, 200]


def test_slow_webhook_does_not_delay_the_others(
    client: TestClient, database: Database, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    with Receiver() as slow, Receiver() as fast:
        slow.delay(3)
        add_webhook(client, slow.url, "user.create", readTimeout=10_000)
        add_webhook(client, fast.url, "user.create")
        record(database)

        dispatcher.run_once(clock.now)

        assert fast.wait_for(1, timeout=2.5)
        assert slow.succeeded == []
        dispatcher.wait_idle()
        assert len(slow.succeeded) == 1


def test_webhook_events_arrive_in_order(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    events = [record(database) for _ in range(30)]

    deliver_until_done(dispatcher, database, clock)

    assert [e["id"] for e in receiver.events()] == [e.id for e in events]


def test_retries_give_up_after_the_configured_time(
    client: TestClient, database: Database, receiver: Receiver, clock: FakeClock
) -> None:
    settings = Settings(database_url=database.url, run_workers=False, webhook_give_up_seconds=20)
    dispatcher = Dispatcher(database, settings)
    add_webhook(client, receiver.url, "user.create")
    record(database)
    receiver.answer(503)
    try:
        deliver_until_done(dispatcher, database, clock)
    finally:
        dispatcher.close()

    [delivery] = deliveries(database)
    assert delivery.status == FAILED
    assert delivery.attempts == len(receiver.requests) > 3
    assert (delivery.last_error or "").startswith("Gave up")


def test_deny_private_refuses_at_send_time(
    client: TestClient, database: Database, receiver: Receiver, clock: FakeClock
) -> None:
    add_webhook(client, receiver.url, "user.create")
    record(database)
    settings = Settings(database_url=database.url, run_workers=False, webhook_deny_private=True)
    dispatcher = Dispatcher(database, settings)
    try:
        deliver_until_done(dispatcher, database, clock)
    finally:
        dispatcher.close()

    assert receiver.requests == []
    [delivery] = deliveries(database)
    assert delivery.status == FAILED
    assert "non-public address" in (delivery.last_error or "")


def test_signed_request_verifies_with_the_key(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    key = client.post("/api/key/generate", json={"key": {"name": "hooks", "algorithm": "HS256"}})
    assert key.status_code == 200, key.text
    key_id = key.json()["key"]["id"]
    add_webhook(
        client,
        receiver.url,
        "user.create",
        signatureConfiguration={"enabled": True, "signingKeyId": key_id},
    )
    record(database)

    deliver_until_done(dispatcher, database, clock)

    from idstream.keys import service as keys

    with database.read() as session:
        stored_key = keys.get(session, key_id)
        secret, kid = keys.hmac_secret(stored_key), stored_key.kid
    [request] = receiver.requests
    token = request.headers["x-fusionauth-signature-jwt"]
    assert jwt.get_unverified_header(token)["kid"] == kid
    assert signing.verify(token, request.body, secret, ["HS256"])
    assert not signing.verify(token, request.body + b" ", secret, ["HS256"])
    assert not signing.verify(token, request.body, b"another secret, 32 bytes long...", ["HS256"])


def test_deleted_webhook_gets_nothing_more(
    client: TestClient,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    webhook_id = add_webhook(client, receiver.url, "user.create")
    record(database)
    receiver.answer(500)
    dispatcher.run_once(clock.now)
    dispatcher.wait_idle()

    client.delete(f"/api/webhook/{webhook_id}")
    deliver_until_done(dispatcher, database, clock)

    assert len(receiver.requests) == 1
    assert deliveries(database)[0].status == FAILED
