"""/api/system-configuration: FusionAuth's System Configuration API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from idstream.api import JsonBody, api_read, api_transaction
from idstream.auditlog import messages
from idstream.auditlog import service as audit
from idstream.system import config_service
from idstream.web import json_response

router = APIRouter()


@router.get("/api/system-configuration")
def retrieve_system_configuration(request: Request) -> Response:
    with api_read(request) as call:
        return json_response({"systemConfiguration": config_service.retrieve(call.session)})


@router.put("/api/system-configuration")
def update_system_configuration(request: Request, body: JsonBody) -> Response:
    return _update(request, body, patch=False)


@router.patch("/api/system-configuration")
def patch_system_configuration(request: Request, body: JsonBody) -> Response:
    return _update(request, body, patch=True)


def _update(request: Request, body: dict, *, patch: bool) -> Response:
    with api_transaction(request) as call:
        call.caller.require_global_key()
        original = config_service.retrieve(call.session)
        updated = config_service.update(call.session, body, patch=patch)
        audit.audit_change(
            call.session,
            call.caller,
            messages.system_configuration_updated(),
            old_value=original,
            new_value=updated,
            info=call.event_info(body),
        )
        return json_response({"systemConfiguration": updated})
