"""Users: search, add, view, edit, deactivate, reactivate, delete, and registrations."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from idstream.admin.paging import Page
from idstream.admin.web import (
    PREFIX,
    AdminCall,
    AdminUser,
    CheckedForm,
    CurrentAdmin,
    Forbidden,
    admin_read,
    admin_transaction,
    checked,
    field_messages,
    general_messages,
    page_router,
    raw_text,
    redirect,
    render,
    text,
)
from idstream.applications import service as applications
from idstream.errors import ValidationFailed, field_error
from idstream.system.bootstrap import ADMIN_APPLICATION_ID
from idstream.tenants import service as tenants
from idstream.tenants.models import Tenant
from idstream.users import registrations, service
from idstream.users import search as user_search
from idstream.users.models import User

router = page_router()
BASE = f"{PREFIX}/users"
PROFILE = ("email", "username", "firstName", "lastName", "mobilePhone")


def _load(call: AdminCall, user_id: str) -> tuple[User, Tenant]:
    user = service.get(call.session, user_id)
    return user, tenants.get(call.session, user.tenant_id)


def _not_yourself(admin: AdminUser, user_id: str, action: str) -> None:
    if admin.user_id == user_id:
        raise Forbidden(f"You cannot {action} your own account while signed in with it.")


def _profile_from_form(form: FormData) -> dict[str, Any]:
    return {key: text(form, key) for key in PROFILE}


@router.get("/users")
def list_users(request: Request, admin: CurrentAdmin, q: str = "", start: int = 0) -> Response:
    page = Page.from_request(request, start)
    with admin_read(request, admin) as call:
        found, total = user_search.search(
            call.session,
            {"queryString": q, "startRow": page.start, "numberOfResults": page.size},
            None,
        )
        tenant_names = {t.id: t.name for t in tenants.list_all(call.session)}
        rows = [service.to_json(u) for u in found]
    return render(
        request,
        "users.html",
        title="Users",
        users=rows,
        q=q,
        page=page.with_total(total),
        tenant_names=tenant_names,
        notice=request.query_params.get("notice"),
    )


def _add_form(
    request: Request,
    call: AdminCall,
    values: dict[str, Any],
    error: ValidationFailed | None = None,
) -> Response:
    return render(
        request,
        "user_form.html",
        400 if error else 200,
        title="Add user",
        user=None,
        values=values,
        tenants=tenants.list_all(call.session),
        errors=field_messages(error) if error else {},
        general=general_messages(error) if error else [],
        action=f"{BASE}/add",
    )


@router.get("/users/add")
def add_page(request: Request, admin: CurrentAdmin) -> Response:
    with admin_read(request, admin) as call:
        default = tenants.default_tenant(call.session)
        return _add_form(request, call, {"tenantId": default.id if default else ""})


@router.post("/users/add")
def add(request: Request, admin: CurrentAdmin, form: CheckedForm) -> Response:
    profile = _profile_from_form(form)
    password = raw_text(form, "password")
    payload: dict[str, Any] = {
        "user": {**{k: v for k, v in profile.items() if v}},
        "sendSetPasswordEmail": checked(form, "sendSetPasswordEmail"),
    }
    if password:
        payload["user"]["password"] = password
    try:
        with admin_transaction(request, admin) as call:
            tenant = tenants.find(call.session, text(form, "tenantId"))
            if tenant is None:
                raise field_error("user.tenantId", "blank", "Choose a tenant.")
            user = service.create(
                call.session, tenant, payload, caller=call.caller, info=call.event_info()
            )
            user_id = user.id
    except ValidationFailed as error:
        with admin_read(request, admin) as call:
            values = {
                **profile,
                "tenantId": text(form, "tenantId"),
                "sendSetPasswordEmail": checked(form, "sendSetPasswordEmail"),
            }
            return _add_form(request, call, values, error)
    return redirect(f"{BASE}/{user_id}?notice=User+created.")


def _detail(
    request: Request,
    call: AdminCall,
    user: User,
    tenant: Tenant,
    error: ValidationFailed | None = None,
    notice: str | None = None,
) -> Response:
    registered = {r.application_id for r in user.registrations}
    apps = applications.list_all(call.session, tenant.id)
    return render(
        request,
        "user.html",
        400 if error else 200,
        title=str(user.doc.get("email") or user.doc.get("username") or user.id),
        user=service.to_json(user),
        tenant=tenant,
        applications={a.id: a for a in apps},
        unregistered=[a for a in apps if a.id not in registered],
        role_names={a.id: sorted(applications.role_names(a)) for a in apps},
        is_self=call.admin.user_id == user.id,
        admin_application_id=ADMIN_APPLICATION_ID,
        errors=field_messages(error) if error else {},
        general=general_messages(error) if error else [],
        notice=notice or request.query_params.get("notice"),
    )


def _detail_refused(
    request: Request, admin: AdminUser, user_id: str, error: ValidationFailed
) -> Response:
    """The user's page again, with the reasons a change made on it was refused (the change's
    own transaction is gone, so the user is read afresh)."""
    with admin_read(request, admin) as call:
        user, tenant = _load(call, user_id)
        return _detail(request, call, user, tenant, error)


@router.get("/users/{user_id}")
def view(request: Request, admin: CurrentAdmin, user_id: str) -> Response:
    with admin_read(request, admin) as call:
        user, tenant = _load(call, user_id)
        return _detail(request, call, user, tenant)


@router.get("/users/{user_id}/edit")
def edit_page(request: Request, admin: CurrentAdmin, user_id: str) -> Response:
    with admin_read(request, admin) as call:
        user, _tenant = _load(call, user_id)
        user_json = service.to_json(user)
        return render(
            request,
            "user_form.html",
            title="Edit user",
            user=user_json,
            values={k: user_json.get(k) or "" for k in PROFILE},
            tenants=[],
            errors={},
            general=[],
            action=f"{BASE}/{user.id}/edit",
        )


@router.post("/users/{user_id}/edit")
def edit(request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str) -> Response:
    profile = _profile_from_form(form)
    body: dict[str, Any] = dict(profile)
    password = raw_text(form, "password")
    if password:
        body["password"] = password
    try:
        with admin_transaction(request, admin) as call:
            user, tenant = _load(call, user_id)
            service.update(
                call.session,
                tenant,
                user,
                {"user": body},
                patch=True,
                caller=call.caller,
                info=call.event_info(),
            )
    except ValidationFailed as error:
        with admin_read(request, admin) as call:
            user, _tenant = _load(call, user_id)
            return render(
                request,
                "user_form.html",
                400,
                title="Edit user",
                user=service.to_json(user),
                values=profile,
                tenants=[],
                errors=field_messages(error),
                general=general_messages(error),
                action=f"{BASE}/{user_id}/edit",
            )
    return redirect(f"{BASE}/{user_id}?notice=User+saved.")


def _set_active(request: Request, admin: AdminUser, user_id: str, active: bool) -> Response:
    with admin_transaction(request, admin) as call:
        user, tenant = _load(call, user_id)
        service.set_active(
            call.session, tenant, user, active, caller=call.caller, info=call.event_info()
        )
    notice = "User+reactivated." if active else "User+deactivated."
    return redirect(f"{BASE}/{user_id}?notice={notice}")


@router.post("/users/{user_id}/deactivate")
def deactivate(request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str) -> Response:
    del form
    _not_yourself(admin, user_id, "deactivate")
    return _set_active(request, admin, user_id, False)


@router.post("/users/{user_id}/reactivate")
def reactivate(request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str) -> Response:
    del form
    return _set_active(request, admin, user_id, True)


@router.post("/users/{user_id}/delete")
def delete(request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str) -> Response:
    del form
    _not_yourself(admin, user_id, "delete")
    with admin_transaction(request, admin) as call:
        user, tenant = _load(call, user_id)
        service.delete(call.session, tenant, user, caller=call.caller, info=call.event_info())
    return redirect(f"{BASE}?notice=User+deleted.")


def _roles(form: FormData) -> list[str]:
    return sorted({v for v in form.getlist("roles") if isinstance(v, str) and v})


@router.post("/users/{user_id}/registrations")
def register(request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str) -> Response:
    registration = {"applicationId": text(form, "applicationId"), "roles": _roles(form)}
    payload = {"registration": registration}
    try:
        with admin_transaction(request, admin) as call:
            user, tenant = _load(call, user_id)
            registrations.register(
                call.session, tenant, user, payload, caller=call.caller, info=call.event_info()
            )
    except ValidationFailed as error:
        return _detail_refused(request, admin, user_id, error)
    return redirect(f"{BASE}/{user_id}?notice=Registration+added.")


@router.post("/users/{user_id}/registrations/{application_id}")
def update_registration(
    request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str, application_id: str
) -> Response:
    try:
        with admin_transaction(request, admin) as call:
            user, tenant = _load(call, user_id)
            registration = registrations.get(user, application_id)
            registrations.update(
                call.session,
                tenant,
                user,
                registration,
                {"registration": {"roles": _roles(form)}},
                patch=True,
                caller=call.caller,
                info=call.event_info(),
            )
    except ValidationFailed as error:
        return _detail_refused(request, admin, user_id, error)
    return redirect(f"{BASE}/{user_id}?notice=Roles+saved.")


@router.post("/users/{user_id}/registrations/{application_id}/delete")
def delete_registration(
    request: Request, admin: CurrentAdmin, form: CheckedForm, user_id: str, application_id: str
) -> Response:
    del form
    with admin_transaction(request, admin) as call:
        user, tenant = _load(call, user_id)
        registration = registrations.get(user, application_id)
        registrations.delete(
            call.session, tenant, user, registration, caller=call.caller, info=call.event_info()
        )
    return redirect(f"{BASE}/{user_id}?notice=Registration+deleted.")
