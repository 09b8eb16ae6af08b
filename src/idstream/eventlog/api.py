"""/api/system/event-log: FusionAuth's Event Log API (retrieve one, search)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, api_read
from idstream.errors import field_error
from idstream.eventlog import service
from idstream.web import json_response

router = APIRouter()


@router.get("/api/system/event-log/{event_log_id}")
def retrieve_event_log(request: Request, event_log_id: str) -> Response:
    with api_read(request) as call:
        # The event log belongs to the instance, not to any one tenant.
        call.caller.require_global_key()
        entry = service.get(call.session, _entry_id(event_log_id))
        return json_response({"eventLog": service.to_json(entry)})


@router.post("/api/system/event-log/search")
def search_event_logs(request: Request, body: JsonBody) -> Response:
    with api_read(request) as call:
        call.caller.require_global_key()
        entries, total = service.search(call.session, service.parse_criteria(body))
        return json_response(
            {"eventLogs": [service.to_json(entry) for entry in entries], "total": total}
        )


def _entry_id(value: str) -> int:
    try:
        entry_id = int(value)
    except ValueError:
        entry_id = -1
    if entry_id < 0 or entry_id > 2**63 - 1:
        raise field_error(
            "eventLogId", "invalid", f"[{value}] is not a valid event log Id; use a number."
        )
    return entry_id
