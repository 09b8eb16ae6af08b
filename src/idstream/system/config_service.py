"""The system configuration: FusionAuth's SystemConfiguration, one document in the settings
table. auditLogConfiguration.recordApiChanges decides whether API changes are audited."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from idstream import clock
from idstream.errors import Errors
from idstream.jsondoc import check_type, merge_patch, request_object
from idstream.system.models import Setting

SETTING_NAME = "system-configuration"


def default_configuration() -> dict[str, Any]:
    return {
        "auditLogConfiguration": {
            "delete": {"enabled": False, "numberOfDaysToRetain": 365},
            "recordApiChanges": False,
        },
        "corsConfiguration": {"enabled": False},
        "data": {},
        "eventLogConfiguration": {"numberToRetain": 10000},
        "loginRecordConfiguration": {"delete": {"enabled": False, "numberOfDaysToRetain": 365}},
        "reportTimezone": "America/Denver",
        "uiConfiguration": {},
        "webhookEventLogConfiguration": {"delete": {"enabled": False, "numberOfDaysToRetain": 30}},
    }


def _stored(session: Session) -> Setting | None:
    return session.get(Setting, SETTING_NAME)


def retrieve(session: Session) -> dict[str, Any]:
    """The configuration as FusionAuth returns it: defaults for anything never set."""
    setting = _stored(session)
    doc = merge_patch(default_configuration(), setting.doc if setting else {})
    doc["lastUpdateInstant"] = setting.last_update_instant if setting else None
    doc["insertInstant"] = (setting.doc.get("insertInstant") if setting else None) or doc[
        "lastUpdateInstant"
    ]
    return doc


def record_api_changes(session: Session) -> bool:
    setting = _stored(session)
    audit = ((setting.doc if setting else {}).get("auditLogConfiguration")) or {}
    return bool(audit.get("recordApiChanges", False))


def update(session: Session, payload: dict[str, Any], *, patch: bool) -> dict[str, Any]:
    incoming = request_object(payload, "systemConfiguration")
    base = retrieve(session) if patch else default_configuration()
    doc = merge_patch(base, incoming)
    _validate(doc)
    now = clock.now_ms()
    setting = _stored(session)
    stored = {k: v for k, v in doc.items() if k not in ("insertInstant", "lastUpdateInstant")}
    if setting is None:
        stored["insertInstant"] = now
        session.add(Setting(name=SETTING_NAME, doc=stored, last_update_instant=now))
    else:
        stored["insertInstant"] = setting.doc.get("insertInstant") or setting.last_update_instant
        setting.doc = copy.deepcopy(stored)
        setting.last_update_instant = now
    session.flush()
    return retrieve(session)


def _validate(doc: dict[str, Any]) -> None:
    errors = Errors()
    prefix = "systemConfiguration"
    audit = check_type(
        errors, doc, "auditLogConfiguration", f"{prefix}.auditLogConfiguration", dict
    )
    if audit is not None:
        path = f"{prefix}.auditLogConfiguration"
        check_type(errors, audit, "recordApiChanges", f"{path}.recordApiChanges", bool)
        delete = check_type(errors, audit, "delete", f"{path}.delete", dict) or {}
        check_type(errors, delete, "enabled", f"{path}.delete.enabled", bool)
        days = check_type(
            errors, delete, "numberOfDaysToRetain", f"{path}.delete.numberOfDaysToRetain", int
        )
        if days is not None and days < 1:
            errors.field(
                f"{path}.delete.numberOfDaysToRetain",
                "invalid",
                f"The [{path}.delete.numberOfDaysToRetain] must be a positive number.",
            )
    for key, kind in (
        ("corsConfiguration", dict),
        ("data", dict),
        ("eventLogConfiguration", dict),
        ("loginRecordConfiguration", dict),
        ("uiConfiguration", dict),
        ("webhookEventLogConfiguration", dict),
        ("reportTimezone", str),
    ):
        check_type(errors, doc, key, f"{prefix}.{key}", kind)
    errors.raise_if_any()
