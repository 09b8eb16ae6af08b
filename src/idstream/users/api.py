"""/api/user: FusionAuth's User API. The registration routes are included first: their
fixed path segments must win over /api/user/{userId}."""

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
from idstream.errors import Errors, NotFound, field_error, general_error
from idstream.jsondoc import check_type, check_uuid
from idstream.users import lookup, search, service
from idstream.users.access import load_user, request_tenant
from idstream.users.models import User
from idstream.users.registrations_api import router as registrations_router
from idstream.web import empty_body_error, empty_response, json_response

router = APIRouter()
router.include_router(registrations_router)


@router.post("/api/user/search")
def search_users(request: Request, body: JsonBody) -> Response:
    with api_read(request) as call:
        return _search(call, body.get("search", {}))


@router.get("/api/user/search")
def search_users_by_query(request: Request) -> Response:
    with api_read(request) as call:
        params: dict[str, Any] = dict(request.query_params)
        params["ids"] = request.query_params.getlist("ids")
        return _search(call, search.criteria_from_query(params))


def _search(call: ApiCall, criteria: Any) -> Response:
    tenant_id = call.caller.listing_tenant_id
    users, total = search.search(call.session, criteria, tenant_id)
    return json_response({"total": total, "users": [service.to_json(u) for u in users]})


@router.post("/api/user/verify-email")
def verify_email(request: Request, body: JsonBody) -> Response:
    """The admin form of FusionAuth's verify-email: {"userId": ...} with an API key."""
    with api_transaction(request) as call:
        errors = Errors()
        user_id = check_uuid(errors, body, "userId", "userId")
        verification_id = check_type(errors, body, "verificationId", "verificationId", str)
        errors.raise_if_any()
        if user_id is None:
            if verification_id:
                # Verification ids are only issued by e-mail flows idstream does not run.
                raise NotFound()
            raise field_error("userId", "blank", "You must specify the [userId] field.")
        user, tenant = load_user(call, user_id)
        service.verify_email(
            call.session, tenant, user, caller=call.caller, info=call.event_info(body)
        )
        return empty_response(200)


@router.post("/api/user")
@router.post("/api/user/{user_id}")
def create_user(request: Request, body: JsonBody, user_id: str | None = None) -> Response:
    with api_transaction(request) as call:
        tenant = request_tenant(call, body)
        user = service.create(
            call.session,
            tenant,
            body,
            path_id(user_id, "userId"),
            caller=call.caller,
            info=call.event_info(body),
        )
        return json_response({"user": service.to_json(user)})


@router.get("/api/user")
def retrieve_user_by_login(
    request: Request,
    email: str | None = None,
    username: str | None = None,
    loginId: str | None = None,
) -> Response:
    with api_read(request) as call:
        tenant_id = call.caller.listing_tenant_id
        if email is not None:
            condition = User.email == email.strip().lower()
        elif username is not None:
            condition = User.username == username.strip().lower()
        elif loginId is not None:
            key = loginId.strip().lower()
            condition = (User.email == key) | (User.username == key)
        else:
            raise general_error(
                "missing", "Give one of the [email], [username] or [loginId] parameters."
            )
        found = lookup.find_all(call.session, tenant_id, condition)
        if not found:
            raise NotFound()
        if len(found) > 1:
            raise general_error(
                "TenantIdRequired",
                "Users in more than one tenant match; name the tenant with the "
                "X-FusionAuth-TenantId header.",
            )
        return json_response({"user": service.to_json(found[0])})


@router.get("/api/user/{user_id}")
def retrieve_user(request: Request, user_id: str) -> Response:
    with api_read(request) as call:
        user, _tenant = load_user(call, user_id)
        return json_response({"user": service.to_json(user)})


@router.put("/api/user/{user_id}")
def update_user(
    request: Request, body: OptionalJsonBody, user_id: str, reactivate: bool = False
) -> Response:
    with api_transaction(request) as call:
        user, tenant = load_user(call, user_id)
        info = call.event_info(body)
        if reactivate:
            if not user.active:
                service.set_active(call.session, tenant, user, True, caller=call.caller, info=info)
        else:
            if not body:
                raise empty_body_error()
            service.update(
                call.session, tenant, user, body, patch=False, caller=call.caller, info=info
            )
        return json_response({"user": service.to_json(user)})


@router.patch("/api/user/{user_id}")
def patch_user(request: Request, body: JsonBody, user_id: str) -> Response:
    with api_transaction(request) as call:
        user, tenant = load_user(call, user_id)
        service.update(
            call.session,
            tenant,
            user,
            body,
            patch=True,
            caller=call.caller,
            info=call.event_info(body),
        )
        return json_response({"user": service.to_json(user)})


@router.delete("/api/user/{user_id}")
def delete_user(
    request: Request,
    body: OptionalJsonBody,
    user_id: str,
    hardDelete: bool = False,
) -> Response:
    with api_transaction(request) as call:
        user, tenant = load_user(call, user_id)
        hard = hard_delete_requested(body, hardDelete)
        info = call.event_info(body)
        if hard:
            service.delete(call.session, tenant, user, caller=call.caller, info=info)
        elif user.active:
            service.set_active(call.session, tenant, user, False, caller=call.caller, info=info)
        return empty_response(200)
