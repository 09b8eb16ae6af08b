"""System → Event stream: the events of the store as they are recorded, followed by sequence
number and pushed to the browser as server-sent events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from idstream.admin.web import CurrentAdmin, database, format_instant, page_router, render
from idstream.db import Database
from idstream.events import store

router = page_router()

RECENT = 20
BATCH = 100
POLL_SECONDS = 0.5
# A comment line now and then keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 10.0
# Each response ends after this long and the browser reconnects where it left off (Last-Event-ID):
# a server shutting down waits for open responses, so none may stay open for long.
CONNECTION_SECONDS = 20.0


def describe(row: store.StoredEvent) -> dict[str, Any]:
    try:
        text = json.dumps(json.loads(row.payload), indent=2, sort_keys=True)
    except ValueError:
        text = row.payload.decode("utf-8", "replace")
    return {
        "sequence": row.sequence,
        "id": row.id,
        "type": row.type,
        "tenantId": row.tenant_id,
        "time": format_instant(row.create_instant),
        "json": text,
    }


def _recent(db: Database) -> tuple[list[dict[str, Any]], int]:
    with db.read() as session:
        last = store.last_sequence(session)
        rows = store.read_after(session, max(last - RECENT, 0), RECENT)
        return [describe(row) for row in reversed(rows)], last


def _after(db: Database, sequence: int) -> list[dict[str, Any]]:
    with db.read() as session:
        return [describe(row) for row in store.read_after(session, sequence, BATCH)]


@router.get("/system/event-stream")
def event_stream_page(request: Request, admin: CurrentAdmin) -> Response:
    del admin
    events, last = _recent(database(request))
    return render(request, "stream.html", title="Event stream", events=events, last_sequence=last)


def _start(request: Request, after: int | None) -> int | None:
    resume = request.headers.get("last-event-id")
    if resume and resume.isdigit():
        return int(resume)
    return after


@router.get("/system/event-stream/events")
async def event_stream_events(
    request: Request, admin: CurrentAdmin, after: int | None = None
) -> Response:
    del admin
    db = database(request)
    resume = _start(request, after)
    start = resume if resume is not None else (await run_in_threadpool(_recent, db))[1]

    async def messages() -> AsyncIterator[str]:
        cursor = start
        idle = 0.0
        ends = time.monotonic() + CONNECTION_SECONDS
        yield "retry: 500\n\n"
        while time.monotonic() < ends and not await request.is_disconnected():
            batch = await run_in_threadpool(_after, db, cursor)
            for item in batch:
                cursor = item["sequence"]
                data = json.dumps(item, separators=(",", ":"))
                yield f"id: {cursor}\nevent: stored-event\ndata: {data}\n\n"
            if batch:
                idle = 0.0
                continue
            await asyncio.sleep(POLL_SECONDS)
            idle += POLL_SECONDS
            if idle >= HEARTBEAT_SECONDS:
                idle = 0.0
                yield ": still here\n\n"

    return StreamingResponse(
        messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
