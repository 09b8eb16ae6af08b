"""A change and its events commit together: a failure after the user row is written leaves
neither the user nor any event."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idstream.db import Database
from idstream.events.store import StoredEvent
from idstream.users import service as users
from idstream.users.models import User
from tests.integration.test_users import PASSWORD, enable_events


def test_failure_after_the_user_is_written_leaves_no_user_and_no_event(
    client: TestClient,
    database: Database,
    default_tenant_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enable_events(client, default_tenant_id)
    real_record = users.record_tenant_event
    recorded: list[Any] = []

    def record_then_fail(*args: Any, **kwargs: Any) -> Any:
        recorded.append(real_record(*args, **kwargs))
        raise RuntimeError("injected failure after the user row and its event")

    monkeypatch.setattr(users, "record_tenant_event", record_then_fail)
    response = client.post(
        "/api/user", json={"user": {"email": "atomic@example.com", "password": PASSWORD}}
    )
    assert response.status_code == 500
    assert recorded and recorded[0] is not None  # the event was recorded, then rolled back
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(StoredEvent)) == 0
