"""Shared by the Kafka tests: turn the integration on through the API, and run a relay until
it has caught up with the event store."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from idstream import clock
from idstream.db import Database
from idstream.events import cursors, store
from idstream.kafka.relay import RELAY, KafkaRelay


def enable_kafka(
    client: TestClient, servers: str, topic: str, *, max_block_ms: int = 3000, **settings: Any
) -> None:
    """Send events to `topic` on `servers`; `settings` add to or override the integration's."""
    kafka = {
        "enabled": True,
        "defaultTopic": topic,
        "producer": {"bootstrap.servers": servers, "max.block.ms": str(max_block_ms)},
        **settings,
    }
    response = client.put("/api/integration", json={"integrations": {"kafka": kafka}})
    assert response.status_code == 200, response.text


def caught_up(database: Database) -> bool:
    with database.read() as session:
        return cursors.get(session, RELAY) >= store.last_sequence(session)


def drain(relay: KafkaRelay, database: Database, passes: int = 60) -> None:
    """Run the relay until it has settled everything stored (bounded, never a sleep)."""
    for _ in range(passes):
        relay.run_once(clock.now_ms())
        if caught_up(database):
            return
    raise AssertionError("the relay did not catch up")
