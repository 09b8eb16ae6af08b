"""/api/system/audit-log: create, retrieve and search the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, api_read, api_transaction
from idstream.auditlog import service
from idstream.errors import NotFound, field_error
from idstream.web import json_response

router = APIRouter()


@router.post("/api/system/audit-log")
def create_audit_log(request: Request, body: JsonBody) -> Response:
    with api_transaction(request) as call:
        entry = service.create_from_request(call.session, body, call.event_info(body))
        if call.caller.tenant_id and entry.tenant_id not in (None, call.caller.tenant_id):
            raise field_error(
                "auditLog.tenantId", "invalid", "A tenant-scoped key writes to its own tenant."
            )
        return json_response({"auditLog": service.to_json(entry)})


@router.post("/api/system/audit-log/search")
def search_audit_logs(request: Request, body: JsonBody) -> Response:
    with api_read(request) as call:
        entries, total = service.search(call.session, body, call.caller.tenant_id)
        return json_response({"auditLogs": [service.to_json(e) for e in entries], "total": total})


@router.get("/api/system/audit-log/{audit_log_id}")
def retrieve_audit_log(request: Request, audit_log_id: str) -> Response:
    with api_read(request) as call:
        if not audit_log_id.isdigit():
            raise field_error(
                "auditLogId", "invalid", f"[{audit_log_id}] is not a valid audit log Id."
            )
        entry = service.get(call.session, int(audit_log_id))
        if call.caller.tenant_id and entry.tenant_id != call.caller.tenant_id:
            raise NotFound()
        return json_response({"auditLog": service.to_json(entry)})
