"""/api/application: FusionAuth's Application API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream.api import (
    ApiCall,
    JsonBody,
    OptionalJsonBody,
    api_read,
    api_transaction,
    hard_delete_requested,
    path_id,
)
from idstream.applications import service
from idstream.applications.models import Application
from idstream.errors import Errors
from idstream.jsondoc import check_uuid
from idstream.web import empty_body_error, empty_response, json_response

router = APIRouter()


def _load(call: ApiCall, application_id: str) -> Application:
    application = service.get(call.session, path_id(application_id, "applicationId") or "")
    call.caller.visible_in_request(application.tenant_id)
    return application


@router.post("/api/application")
@router.post("/api/application/{application_id}")
def create_application(
    request: Request, body: JsonBody, application_id: str | None = None
) -> Response:
    with api_transaction(request) as call:
        body_application = body.get("application")
        errors = Errors()
        explicit = check_uuid(
            errors,
            body_application if isinstance(body_application, dict) else {},
            "tenantId",
            "application.tenantId",
        )
        errors.raise_if_any()
        tenant_id = call.caller.resolve_tenant(call.session, explicit)
        application = service.create(
            call.session,
            tenant_id,
            body,
            path_id(application_id, "applicationId"),
            caller=call.caller,
            info=call.event_info(body),
        )
        return json_response({"application": service.to_json(application)})


@router.get("/api/application")
def list_applications(request: Request, inactive: bool = False) -> Response:
    with api_read(request) as call:
        tenant_id = call.caller.listing_tenant_id
        found = service.list_all(call.session, tenant_id, inactive=inactive)
        return json_response({"applications": [service.to_json(a) for a in found]})


@router.get("/api/application/{application_id}")
def retrieve_application(request: Request, application_id: str) -> Response:
    with api_read(request) as call:
        return json_response({"application": service.to_json(_load(call, application_id))})


@router.put("/api/application/{application_id}")
def update_application(
    request: Request, body: OptionalJsonBody, application_id: str, reactivate: bool = False
) -> Response:
    with api_transaction(request) as call:
        application = _load(call, application_id)
        if reactivate:
            service.set_active(
                call.session, application, True, caller=call.caller, info=call.event_info(body)
            )
        else:
            if not body:
                raise empty_body_error()
            _update(call, application, body, patch=False)
        return json_response({"application": service.to_json(application)})


@router.patch("/api/application/{application_id}")
def patch_application(request: Request, body: JsonBody, application_id: str) -> Response:
    with api_transaction(request) as call:
        application = _load(call, application_id)
        _update(call, application, body, patch=True)
        return json_response({"application": service.to_json(application)})


def _update(call: ApiCall, application: Application, body: dict[str, Any], *, patch: bool) -> None:
    service.update(
        call.session,
        application,
        body,
        patch=patch,
        caller=call.caller,
        info=call.event_info(body),
    )


@router.delete("/api/application/{application_id}")
def delete_application(
    request: Request,
    body: OptionalJsonBody,
    application_id: str,
    hardDelete: bool = False,
) -> Response:
    with api_transaction(request) as call:
        application = _load(call, application_id)
        hard = hard_delete_requested(body, hardDelete)
        info = call.event_info(body)
        if hard:
            service.delete(call.session, application, caller=call.caller, info=info)
        else:
            service.set_active(call.session, application, False, caller=call.caller, info=info)
        return empty_response(200)
