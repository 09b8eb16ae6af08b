"""The audit log: who changed what, numbered in order. Every entry records audit-log.create,
a system event, in the same transaction."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.auditlog.models import AuditLog
from idstream.auth.caller import Caller
from idstream.db import escape_like, get_or_not_found, order_clause
from idstream.errors import Errors, field_error
from idstream.events import catalogue, store
from idstream.jsondoc import check_type, check_uuid, request_object
from idstream.system import config_service

UI_REASON = "idstream User Interface"
API_REASON = "idstream API"
# Keys whose values are secrets wherever they appear in an old or new value.
SECRET_KEYS = frozenset(
    {"password", "salt", "secret", "privateKey", "clientSecret", "client_secret", "key"}
)
DEFAULT_RESULTS = 25
MAX_RESULTS = 500
ORDER_COLUMNS = {
    "id": AuditLog.id,
    "insertInstant": AuditLog.insert_instant,
    "insertUser": AuditLog.insert_user,
    "message": AuditLog.message,
}


def scrub(value: Any) -> Any:
    """A copy of `value` without secrets, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return copy.deepcopy(value)


def to_json(entry: AuditLog) -> dict[str, Any]:
    return {
        "data": entry.data,
        "id": entry.id,
        "insertInstant": entry.insert_instant,
        "insertUser": entry.insert_user,
        "message": entry.message,
        "newValue": entry.new_value,
        "oldValue": entry.old_value,
        "reason": entry.reason,
        "tenantId": entry.tenant_id,
    }


def write(
    session: Session,
    *,
    insert_user: str,
    message: str,
    reason: str | None = None,
    old_value: Any = None,
    new_value: Any = None,
    data: dict[str, Any] | None = None,
    tenant_id: str | None = None,
    info: dict[str, Any] | None = None,
) -> AuditLog:
    """Write an entry and record its audit-log.create event."""
    entry = AuditLog(
        insert_instant=clock.now_ms(),
        insert_user=insert_user,
        message=message,
        reason=reason,
        tenant_id=tenant_id,
        old_value=scrub(old_value),
        new_value=scrub(new_value),
        data=scrub(data) if data else None,
    )
    session.add(entry)
    session.flush()  # takes the id the event carries
    store.record(session, catalogue.AUDIT_LOG_CREATE, {"auditLog": to_json(entry)}, info=info)
    return entry


def is_audited(session: Session, caller: Caller | None) -> bool:
    """UI changes are always audited; API changes when the system configuration says so."""
    if caller is None:
        return False
    if caller.via_admin_ui:
        return True
    return config_service.record_api_changes(session)


def audit_change(
    session: Session,
    caller: Caller | None,
    message: str,
    *,
    old_value: Any = None,
    new_value: Any = None,
    tenant_id: str | None = None,
    info: dict[str, Any] | None = None,
) -> AuditLog | None:
    """Audit a change made by `caller`, if its kind of change is audited."""
    if caller is None or not is_audited(session, caller):
        return None
    return write(
        session,
        insert_user=caller.name,
        message=message,
        reason=UI_REASON if caller.via_admin_ui else API_REASON,
        old_value=old_value,
        new_value=new_value,
        tenant_id=tenant_id,
        info=info,
    )


def get(session: Session, entry_id: int) -> AuditLog:
    return get_or_not_found(session, AuditLog, entry_id)


def create_from_request(
    session: Session, payload: dict[str, Any], info: dict[str, Any] | None
) -> AuditLog:
    """POST /api/system/audit-log: how API callers record their own changes."""
    body = request_object(payload, "auditLog")
    errors = Errors()
    insert_user = check_type(errors, body, "insertUser", "auditLog.insertUser", str)
    message = check_type(errors, body, "message", "auditLog.message", str)
    reason = check_type(errors, body, "reason", "auditLog.reason", str)
    data = check_type(errors, body, "data", "auditLog.data", dict)
    tenant_id = check_uuid(errors, body, "tenantId", "auditLog.tenantId")
    for value, field in ((insert_user, "insertUser"), (message, "message")):
        path = f"auditLog.{field}"
        if path not in errors.field_errors and not (value and value.strip()):
            errors.field(path, "blank", f"You must specify the [{path}] field.")
    errors.raise_if_any()
    assert insert_user is not None and message is not None
    return write(
        session,
        insert_user=insert_user,
        message=message,
        reason=reason,
        old_value=body.get("oldValue"),
        new_value=body.get("newValue"),
        data=data,
        tenant_id=tenant_id,
        info=info,
    )


def search(
    session: Session, payload: dict[str, Any], tenant_id: str | None = None
) -> tuple[list[AuditLog], int]:
    """FusionAuth's AuditLogSearchCriteria: message, user, reason, start/end, paging, order."""
    criteria = payload.get("search")
    if criteria is None:
        criteria = {}
    if not isinstance(criteria, dict):
        raise field_error("search", "invalid", "The [search] field must be an object.")
    errors = Errors()
    text = {
        key: check_type(errors, criteria, key, f"search.{key}", str)
        for key in ("message", "user", "reason", "oldValue", "newValue", "orderBy")
    }
    start = check_type(errors, criteria, "start", "search.start", int)
    end = check_type(errors, criteria, "end", "search.end", int)
    wanted_tenant = check_uuid(errors, criteria, "tenantId", "search.tenantId")
    start_row = check_type(errors, criteria, "startRow", "search.startRow", int) or 0
    count = check_type(errors, criteria, "numberOfResults", "search.numberOfResults", int)
    order = _order_by(errors, text["orderBy"])
    if start_row < 0:
        errors.field("search.startRow", "invalid", "The [search.startRow] cannot be negative.")
    errors.raise_if_any()
    count = min(max(count or DEFAULT_RESULTS, 1), MAX_RESULTS)

    query = select(AuditLog)
    for key, column in (
        ("message", AuditLog.message),
        ("user", AuditLog.insert_user),
        ("reason", AuditLog.reason),
    ):
        pattern = _like_pattern(text[key])
        if pattern:
            query = query.where(func.lower(column).like(pattern, escape="\\"))
    if start is not None:
        query = query.where(AuditLog.insert_instant >= start)
    if end is not None:
        query = query.where(AuditLog.insert_instant <= end)
    for scope in (tenant_id, wanted_tenant):
        if scope:
            query = query.where(AuditLog.tenant_id == scope)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(*order).offset(start_row).limit(count))
    return list(rows), total


def _like_pattern(value: str | None) -> str | None:
    """FusionAuth's wildcard search: `*` matches anything; a bare word matches inside."""
    if not value or not value.strip():
        return None
    return "%" + escape_like(value.strip().lower()).replace("*", "%") + "%"


def _order_by(errors: Errors, order_by: str | None) -> list[Any]:
    if not order_by:
        return [AuditLog.insert_instant.desc(), AuditLog.id.desc()]
    order = order_clause(order_by, ORDER_COLUMNS, tie=AuditLog.id)
    if order is None:
        allowed = ", ".join(ORDER_COLUMNS)
        errors.field(
            "search.orderBy",
            "invalid",
            f"[{order_by}] is not a sort order; use one of {allowed} with ASC or DESC.",
        )
        return []
    return list(order)
