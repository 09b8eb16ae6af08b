"""The event log: entries written by background work, their event-log.create events, and
FusionAuth's retrieve and search APIs."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream import clock
from idstream.db import Database
from idstream.eventlog import service as eventlog
from idstream.eventlog.models import EventLog
from idstream.events.store import StoredEvent
from tests.conftest import create_api_key


def write(database: Database, kind: str, message: str) -> int:
    with database.unit_of_work() as session:
        return eventlog.write(session, kind, message).id


def stored_events(database: Database, event_type: str) -> list[dict]:
    with database.read() as session:
        rows = session.scalars(
            select(StoredEvent).where(StoredEvent.type == event_type).order_by(StoredEvent.sequence)
        )
        return [json.loads(row.payload)["event"] for row in rows]


def test_write_records_event_log_create_with_the_entry(database: Database) -> None:
    entry_id = write(database, "Error", "Something broke.\n\nCause:\nboom")

    [event] = stored_events(database, "event-log.create")
    assert sorted(event) == ["createInstant", "eventLog", "id", "type"]
    assert event["eventLog"] == {
        "id": entry_id,
        "insertInstant": event["eventLog"]["insertInstant"],
        "message": "Something broke.\n\nCause:\nboom",
        "type": "Error",
    }


def test_entries_get_increasing_integer_ids(database: Database) -> None:
    first = write(database, "Information", "one")
    second = write(database, "Debug", "two")
    assert isinstance(first, int)
    assert second == first + 1


def test_rolled_back_write_leaves_no_entry_and_no_event(database: Database) -> None:
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        eventlog.write(session, "Error", "never committed")
        raise RuntimeError("the caller's change failed")

    with database.read() as session:
        assert session.scalars(select(EventLog)).all() == []
    assert stored_events(database, "event-log.create") == []


def test_unknown_type_is_refused(database: Database) -> None:
    with pytest.raises(ValueError), database.unit_of_work() as session:
        eventlog.write(session, "Warning", "not a FusionAuth type")


def test_retrieve_returns_the_entry(client: TestClient, database: Database) -> None:
    entry_id = write(database, "Information", "hello")

    response = client.get(f"/api/system/event-log/{entry_id}")

    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["eventLog"]
    assert body["eventLog"]["id"] == entry_id
    assert body["eventLog"]["message"] == "hello"
    assert body["eventLog"]["type"] == "Information"
    assert isinstance(body["eventLog"]["insertInstant"], int)


def test_retrieve_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/api/system/event-log/999")
    assert response.status_code == 404
    assert response.content == b""


def test_retrieve_non_numeric_id_is_400_naming_it(client: TestClient) -> None:
    response = client.get("/api/system/event-log/abc")
    assert response.status_code == 400
    assert response.json()["fieldErrors"]["eventLogId"][0]["code"] == "[invalid]eventLogId"


def test_tenant_scoped_key_cannot_read_the_event_log(
    raw_client: TestClient, database: Database, default_tenant_id: str
) -> None:
    key = create_api_key(database, tenantId=default_tenant_id)
    response = raw_client.post(
        "/api/system/event-log/search", json={"search": {}}, headers={"Authorization": key}
    )
    assert response.status_code == 401


def test_search_pages_newest_first_with_total(client: TestClient, database: Database) -> None:
    ids = [write(database, "Information", f"entry {n}") for n in range(5)]

    response = client.post(
        "/api/system/event-log/search",
        json={"search": {"numberOfResults": 2, "startRow": 1}},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert [e["id"] for e in body["eventLogs"]] == [ids[3], ids[2]]


def test_search_filters_by_type(client: TestClient, database: Database) -> None:
    write(database, "Information", "fine")
    error_id = write(database, "Error", "bad")

    body = client.post("/api/system/event-log/search", json={"search": {"type": "Error"}}).json()

    assert [e["id"] for e in body["eventLogs"]] == [error_id]
    assert body["total"] == 1


def test_search_matches_message_case_insensitively_with_wildcards(
    client: TestClient, database: Database
) -> None:
    match = write(database, "Error", "Async Email Send exception occurred.")
    write(database, "Error", "Webhook failed")

    plain = client.post("/api/system/event-log/search", json={"search": {"message": "email send"}})
    wild = client.post("/api/system/event-log/search", json={"search": {"message": "async*send"}})

    assert [e["id"] for e in plain.json()["eventLogs"]] == [match]
    assert [e["id"] for e in wild.json()["eventLogs"]] == [match]


def test_search_treats_percent_literally(client: TestClient, database: Database) -> None:
    write(database, "Information", "disk at 50 percent")
    body = client.post("/api/system/event-log/search", json={"search": {"message": "%"}}).json()
    assert body["total"] == 0


def test_search_filters_by_start_and_end_instants(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for instant in (1_000, 2_000, 3_000):
        monkeypatch.setattr(clock, "now_ms", lambda instant=instant: instant)
        write(database, "Debug", f"at {instant}")

    body = client.post(
        "/api/system/event-log/search", json={"search": {"start": 1_500, "end": 3_000}}
    ).json()

    assert [e["insertInstant"] for e in body["eventLogs"]] == [3_000, 2_000]


def test_search_orders_by_request(client: TestClient, database: Database) -> None:
    ids = [write(database, "Debug", f"n{n}") for n in range(3)]
    body = client.post(
        "/api/system/event-log/search", json={"search": {"orderBy": "id ASC"}}
    ).json()
    assert [e["id"] for e in body["eventLogs"]] == ids


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({"type": "Warning"}, "search.type"),
        ({"numberOfResults": 0}, "search.numberOfResults"),
        ({"numberOfResults": "ten"}, "search.numberOfResults"),
        ({"startRow": -1}, "search.startRow"),
        ({"start": "yesterday"}, "search.start"),
        ({"orderBy": "message; DROP TABLE"}, "search.orderBy"),
    ],
)
def test_bad_search_criteria_are_400_naming_the_field(
    client: TestClient, search: dict, field: str
) -> None:
    response = client.post("/api/system/event-log/search", json={"search": search})
    assert response.status_code == 400
    assert field in response.json()["fieldErrors"]
