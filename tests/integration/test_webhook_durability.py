"""Durability of webhook delivery: receivers down across restarts, several dispatchers on
one database, dead receivers with a backlog, and retention. Real receivers, fake clock."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream.config import Settings
from idstream.db import Database
from idstream.events import catalogue, cursors, store
from idstream.webhooks.deliveries import CURSOR
from idstream.webhooks.dispatcher import Dispatcher, DispatcherOptions, EventPruner
from idstream.webhooks.models import PENDING, WebhookAttempt, WebhookDelivery
from tests.integration.webhook_helpers import add_webhook, deliveries, record
from tests.receivers import FakeClock, Receiver, deliver_until_done


def test_receiver_down_across_a_restart_gets_every_event_afterwards(
    client: TestClient,
    database: Database,
    settings: Settings,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    receiver.stop()
    events = [record(database) for _ in range(5)]
    first = Dispatcher(database, settings)
    for _ in range(3):
        first.run_once(clock.advance(5))
        first.wait_idle()
    first.close()
    owed = deliveries(database)
    assert [d.status for d in owed] == [PENDING] * 5
    assert owed[0].attempts == 3  # the rest wait behind the first, untried

    # idstream "restarts": a new database handle and a new dispatcher; the receiver comes back.
    restarted_db = Database(database.url)
    second = Dispatcher(restarted_db, settings)
    receiver.start()
    try:
        deliver_until_done(second, restarted_db, clock)
    finally:
        second.close()
        restarted_db.dispose()

    assert sorted(e["id"] for e in receiver.events()) == sorted(e.id for e in events)
    assert len(receiver.requests) == 5


def test_two_dispatchers_on_one_database_send_each_event_once(
    client: TestClient,
    database: Database,
    settings: Settings,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    events = [record(database) for _ in range(40)]
    other_db = Database(database.url)
    one = Dispatcher(database, settings, options=DispatcherOptions(per_webhook=5))
    two = Dispatcher(other_db, settings, options=DispatcherOptions(per_webhook=5))
    try:
        for _ in range(20):
            passes = [threading.Thread(target=d.run_once, args=(clock.now,)) for d in (one, two)]
            for thread in passes:
                thread.start()
            for thread in passes:
                thread.join()
            one.wait_idle()
            two.wait_idle()
        deliver_until_done(one, database, clock)
    finally:
        one.close()
        two.close()
        other_db.dispose()

    received = [e["id"] for e in receiver.events()]
    assert sorted(received) == sorted(e.id for e in events)
    assert len(receiver.requests) == 40


def test_pruning_keeps_what_a_consumer_or_webhook_still_needs(
    client: TestClient,
    database: Database,
    settings: Settings,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    delivered = record(database)
    owed = record(database, catalogue.USER_CREATE)
    receiver.answer(None)
    dispatcher.run_once(clock.now)
    dispatcher.wait_idle()
    with database.unit_of_work() as session:
        # The second one is still owed to the webhook; a "kafka" consumer is at the first.
        row = session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_id == owed.id))
        assert row is not None
        row.status = PENDING
        cursors.advance(session, "kafka", 0)
    pruner = EventPruner(database, settings)
    later = clock.advance(settings.event_retention_days * 86_400 + 1)

    assert pruner.run_once(later) == 0  # the kafka consumer has passed nothing yet

    with database.unit_of_work() as session:
        cursors.advance(session, "kafka", 10**9)
    assert EventPruner(database, settings).run_once(later) == 1
    with database.read() as session:
        left = [e.id for e in session.scalars(select(store.StoredEvent))]
        attempts = session.scalars(select(WebhookAttempt.event_id)).all()
        assert cursors.get(session, CURSOR) >= 2
    assert left == [owed.id]
    assert delivered.id not in attempts


def test_dead_receiver_costs_one_attempt_per_retry_not_one_per_delivery(
    client: TestClient,
    database: Database,
    settings: Settings,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    receiver.stop()
    for _ in range(20):
        record(database)
    small_batches = Dispatcher(database, settings, options=DispatcherOptions(per_webhook=5))
    try:
        for _ in range(3):
            small_batches.run_once(clock.now)
            small_batches.wait_idle()
            small_batches.run_once(clock.now)  # nothing else is due: all wait for the retry
            small_batches.wait_idle()
            clock.now = min(d.next_attempt_at for d in deliveries(database))
    finally:
        small_batches.close()

    with database.read() as session:
        assert len(session.scalars(select(WebhookAttempt)).all()) == 3
    assert all(d.status == PENDING for d in deliveries(database))


def test_closing_dispatcher_hands_back_what_it_did_not_send(
    client: TestClient,
    database: Database,
    settings: Settings,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    add_webhook(client, receiver.url, "user.create")
    for _ in range(5):
        record(database)
    receiver.delay(0.5)
    closing = Dispatcher(database, settings)
    closing.run_once(clock.now)
    closing.close()  # while the first call is under way

    owed = deliveries(database)
    assert len(receiver.requests) == 1
    assert [d.status for d in owed].count(PENDING) == 4
    assert all(d.next_attempt_at <= clock.now for d in owed if d.status == PENDING)


def test_nothing_is_pruned_before_every_follower_has_a_position(
    client: TestClient,
    database: Database,
    settings: Settings,
    dispatcher: Dispatcher,
    receiver: Receiver,
    clock: FakeClock,
) -> None:
    """A Kafka relay that has not reached Kafka once yet still finds every event it is owed."""
    add_webhook(client, receiver.url, "user.create")
    record(database, catalogue.USER_CREATE)
    dispatcher.run_once(clock.now)
    dispatcher.wait_idle()
    later = clock.advance(settings.event_retention_days * 86_400 + 1)

    assert EventPruner(database, settings).run_once(later) == 0

    with database.unit_of_work() as session:
        cursors.advance(session, cursors.KAFKA_RELAY, 10**9)
    assert EventPruner(database, settings).run_once(later) == 1
