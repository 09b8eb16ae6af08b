"""1,000 users created through the API against a receiver that fails 30 % of requests at
random: every user.create arrives; duplicates are counted and reported. SQLite only, to keep
the file quick (the same code paths run on PostgreSQL in the other webhook tests)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from idstream import clock as idstream_clock
from idstream.config import Settings
from idstream.db import Database
from idstream.webhooks.dispatcher import Dispatcher, DispatcherOptions
from tests.receivers import FakeClock, Receiver, deliver_until_done, webhook_json

USERS = 1000


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_every_user_create_arrives_despite_random_failures(
    request: pytest.FixtureRequest,
    client: TestClient,
    database: Database,
    settings: Settings,
    default_tenant_id: str,
    monkeypatch: pytest.MonkeyPatch,
    record_property: object,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(idstream_clock, "now_ms", clock.now_ms)
    client.patch(
        f"/api/tenant/{default_tenant_id}",
        json={
            "tenant": {
                "eventConfiguration": {"events": {"user.create": {"enabled": True}}},
                "passwordEncryptionConfiguration": {"encryptionSchemeFactor": 1},
            }
        },
    )
    with Receiver() as receiver:
        receiver.fail_ratio(0.3, seed=2026)
        client.post("/api/webhook", json=webhook_json(receiver.url, "user.create"))
        created = set()
        started = time.monotonic()
        for n in range(USERS):
            response = client.post(
                "/api/user",
                json={"user": {"email": f"load{n}@example.com", "password": "pw-pw-pw-pw"}},
            )
            assert response.status_code == 200, response.text
            created.add(response.json()["user"]["id"])

        creating = time.monotonic() - started
        started = time.monotonic()
        dispatcher = Dispatcher(database, settings, options=DispatcherOptions(seed=1))
        try:
            passes = deliver_until_done(dispatcher, database, clock, rounds=2000)
        finally:
            dispatcher.close()

        delivering = time.monotonic() - started
        arrivals = Counter(e["user"]["id"] for e in receiver.events() if e["type"] == "user.create")
        failed = sum(1 for r in receiver.requests if r.status >= 500)
    duplicates = sum(count - 1 for count in arrivals.values())
    report = (
        f"{USERS} users, {len(receiver.requests)} requests, {failed} failed at random, "
        f"{len(arrivals)} distinct user.create delivered, {duplicates} duplicates, "
        f"{passes} dispatcher passes; creating {creating:.1f} s, delivering {delivering:.1f} s"
    )
    print(report)
    request.node.user_properties.append(("webhook_load", report))
    assert set(arrivals) == created  # none lost
    assert failed > 0.2 * USERS  # the receiver really did fail
    assert duplicates == 0
