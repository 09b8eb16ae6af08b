"""/api/user/registration: FusionAuth's Registration API, including the full registration
(user and registration in one call)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from idstream.api import ApiCall, JsonBody, OptionalJsonBody, api_read, api_transaction, path_id
from idstream.errors import Errors, field_error
from idstream.jsondoc import check_uuid
from idstream.users import registrations, service
from idstream.users.access import load_user, request_tenant
from idstream.users.models import User
from idstream.users.service import registration_to_json
from idstream.web import empty_response, json_response

router = APIRouter()


def _response(user: User, application_id: str) -> Response:
    registration = registrations.get(user, application_id)
    return json_response(
        {"registration": registration_to_json(registration), "user": service.to_json(user)}
    )


@router.post("/api/user/registration")
@router.post("/api/user/registration/{user_id}")
def register(request: Request, body: JsonBody, user_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        user_id = path_id(user_id, "userId")
        if isinstance(body.get("user"), dict):
            return _full_registration(call, body, user_id)
        if user_id is None:
            raise field_error(
                "userId",
                "blank",
                "Give the [userId] in the URL, or a [user] object to create the user.",
            )
        user, tenant = load_user(call, user_id)
        registration = registrations.register(
            call.session, tenant, user, body, caller=call.caller, info=call.event_info(body)
        )
        return _response(user, registration.application_id)


def _full_registration(call: ApiCall, body: dict[str, Any], user_id: str | None) -> Response:
    tenant = request_tenant(call, body)
    errors = Errors()
    application = registrations.check_application(
        call.session, errors, registrations.registration_object(body), tenant.id
    )
    errors.raise_if_any()
    assert application is not None
    info = call.event_info(body)
    user = service.new_user(call.session, tenant, body, user_id)
    registration = registrations.add(call.session, user, application, body, Errors())
    service.finish_create(call.session, tenant, user, body, caller=call.caller, info=info)
    registrations.record_created(
        call.session, tenant, user, registration, caller=call.caller, info=info
    )
    return _response(user, application.id)


@router.get("/api/user/registration/{user_id}/{application_id}")
def retrieve_registration(request: Request, user_id: str, application_id: str) -> Response:
    with api_read(request) as call:
        user, _tenant = load_user(call, user_id)
        registration = registrations.get(user, path_id(application_id, "applicationId") or "")
        return json_response({"registration": registration_to_json(registration)})


@router.put("/api/user/registration/{user_id}")
@router.put("/api/user/registration/{user_id}/{application_id}")
def update_registration(
    request: Request, body: JsonBody, user_id: str, application_id: str | None = None
) -> Response:
    return _update(request, body, user_id, application_id, patch=False)


@router.patch("/api/user/registration/{user_id}")
@router.patch("/api/user/registration/{user_id}/{application_id}")
def patch_registration(
    request: Request, body: JsonBody, user_id: str, application_id: str | None = None
) -> Response:
    return _update(request, body, user_id, application_id, patch=True)


def _update(
    request: Request,
    body: dict[str, Any],
    user_id: str,
    application_id: str | None,
    *,
    patch: bool,
) -> Response:
    with api_transaction(request) as call:
        user, tenant = load_user(call, user_id)
        target = path_id(application_id, "applicationId")
        if target is None:
            errors = Errors()
            target = check_uuid(
                errors,
                registrations.registration_object(body),
                "applicationId",
                "registration.applicationId",
            )
            errors.raise_if_any()
            if target is None:
                raise field_error(
                    "registration.applicationId",
                    "blank",
                    "You must specify the [registration.applicationId] field.",
                )
        registration = registrations.get(user, target)
        registrations.update(
            call.session,
            tenant,
            user,
            registration,
            body,
            patch=patch,
            caller=call.caller,
            info=call.event_info(body),
        )
        return _response(user, target)


@router.delete("/api/user/registration/{user_id}/{application_id}")
def delete_registration(
    request: Request, body: OptionalJsonBody, user_id: str, application_id: str
) -> Response:
    with api_transaction(request) as call:
        user, tenant = load_user(call, user_id)
        registration = registrations.get(user, path_id(application_id, "applicationId") or "")
        registrations.delete(
            call.session,
            tenant,
            user,
            registration,
            caller=call.caller,
            info=call.event_info(body),
        )
        return empty_response(200)
