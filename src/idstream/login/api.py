"""/api/login: FusionAuth's Login API (password). The API key is optional when the
application sets loginConfiguration.requireAuthentication to false, as in FusionAuth."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from idstream.api import JsonBody, database
from idstream.applications import service as applications
from idstream.auth.caller import TENANT_HEADER, authenticate
from idstream.errors import Errors, Unauthorized, ValidationFailed, general_error
from idstream.jsondoc import check_type, check_uuid, is_uuid
from idstream.login import service
from idstream.tenants.models import Tenant
from idstream.web import client_event_info, empty_response, json_response

router = APIRouter()


@router.post("/api/login")
def login(request: Request, body: JsonBody) -> Response:
    errors = Errors()
    login_id = check_type(errors, body, "loginId", "loginId", str)
    password = check_type(errors, body, "password", "password", str)
    application_id = check_uuid(errors, body, "applicationId", "applicationId")
    no_jwt = bool(check_type(errors, body, "noJWT", "noJWT", bool))
    ip_address = check_type(errors, body, "ipAddress", "ipAddress", str)
    for value, field in ((login_id, "loginId"), (password, "password")):
        if field not in errors.field_errors and not (value and value.strip()):
            errors.field(field, "blank", f"You must specify the [{field}] field.")
    errors.raise_if_any()
    assert login_id is not None and password is not None
    with database(request).unit_of_work() as session:
        caller = authenticate(request, session) if request.headers.get("authorization") else None
        application = applications.find(session, application_id)
        if application_id and application is None:
            raise errors_for_application(application_id)
        if caller is None:
            login_config = (
                application.doc.get("loginConfiguration") if application else None
            ) or {}
            if login_config.get("requireAuthentication", True):
                raise Unauthorized()
        requested = request.headers.get(TENANT_HEADER)
        if requested is not None and not is_uuid(requested):
            raise general_error("invalid", f"The {TENANT_HEADER} header must be a valid UUID.")
        candidates = [
            caller.tenant_id if caller else None,
            requested,
            application.tenant_id if application else None,
        ]
        wanted = {c for c in candidates if c}
        if len(wanted) > 1:
            raise errors_for_application(application_id or "")
        if wanted:
            tenant = session.get(Tenant, wanted.pop())
        else:
            tenants = list(session.scalars(select(Tenant).limit(2)))
            if len(tenants) != 1:
                raise general_error(
                    "TenantIdRequired",
                    f"More than one tenant exists; name the tenant with the {TENANT_HEADER} "
                    "header or the applicationId.",
                )
            tenant = tenants[0]
        if tenant is None:
            raise general_error("TenantDoesNotExist", "The requested tenant does not exist.")
        info = client_event_info(request, body)
        if ip_address:
            info["ipAddress"] = ip_address
        result = service.login(
            session,
            tenant,
            application,
            login_id,
            password,
            no_jwt=no_jwt,
            ip_address=info.get("ipAddress"),
            info=info,
        )
    if result.body is None:
        return empty_response(result.status)
    return json_response(result.body, result.status)


def errors_for_application(application_id: str) -> Exception:
    errors = Errors()
    errors.field("applicationId", "invalid", f"No application with Id [{application_id}] exists.")
    return ValidationFailed(errors.field_errors)
