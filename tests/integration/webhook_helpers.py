"""Shared by the webhook delivery tests: add a webhook through the API, record an event, read
the deliveries back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream.db import Database
from idstream.events import catalogue, store
from idstream.events.catalogue import EventType
from idstream.webhooks.models import WebhookDelivery
from tests.receivers import webhook_json


def add_webhook(client: TestClient, url: str, *events: str, **fields: Any) -> str:
    response = client.post("/api/webhook", json=webhook_json(url, *events, **fields))
    assert response.status_code == 200, response.text
    webhook_id: str = response.json()["webhook"]["id"]
    return webhook_id


def record(
    database: Database,
    event_type: EventType = catalogue.USER_CREATE,
    tenant_id: str | None = None,
    **subject: Any,
) -> store.PendingEvent:
    with database.unit_of_work() as session:
        return store.record(
            session, event_type, subject or {"user": {"id": "u"}}, tenant_id=tenant_id
        )


def deliveries(database: Database) -> list[WebhookDelivery]:
    with database.read() as session:
        rows = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))
        session.expunge_all()  # keep them readable after the read session ends
        return rows
