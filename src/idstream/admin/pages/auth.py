"""Sign-in, sign-out and the first-run setup page (there only while no admin exists)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from idstream import clock
from idstream.admin import accounts
from idstream.admin.sessions import AdminSession, limiter, replace_session
from idstream.admin.web import (
    PREFIX,
    CheckedForm,
    database,
    error_page,
    field_messages,
    general_messages,
    page_router,
    raw_text,
    redirect,
    render,
    text,
)
from idstream.errors import ValidationFailed
from idstream.web import client_event_info

router = page_router()

SETUP_GONE = "An administrator already exists, so there is nothing to set up. Sign in instead."


def _safe_next(target: str | None) -> str:
    """Only a path inside the admin UI: never an open redirect to another site."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//"):
        return target
    return f"{PREFIX}/"


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    db = database(request)
    with db.read() as session:
        if not accounts.admin_exists(session):
            return redirect(f"{PREFIX}/setup")
    return render(request, "login.html", title="Sign in", next=_safe_next(next), email="")


@router.post("/login")
def login(request: Request, form: CheckedForm) -> Response:
    email = text(form, "email")
    password = raw_text(form, "password")
    target = _safe_next(text(form, "next"))
    ip = _client_ip(request)
    rate = limiter(request)

    def again(message: str, status_code: int) -> Response:
        return render(
            request,
            "login.html",
            status_code,
            title="Sign in",
            next=target,
            email=email,
            error=message,
        )

    if not email or not password:
        return again("Enter your e-mail address and password.", 400)
    if rate.blocked(ip, email, clock.now_ms()):
        return again("Too many failed sign-ins. Wait a minute, then try again.", 429)
    with database(request).unit_of_work() as session:
        user = accounts.sign_in(session, email, password, client_event_info(request))
    if user is None:
        rate.failed(ip, email, clock.now_ms())
        return again("The e-mail address or password is not right.", 401)
    rate.succeeded(ip, email)
    replace_session(request, AdminSession.fresh(user.user_id, user.email))
    return redirect(target)


@router.post("/logout")
def logout(request: Request, form: CheckedForm) -> Response:
    del form
    replace_session(request, AdminSession.fresh())
    return redirect(f"{PREFIX}/login")


@router.get("/setup")
def setup_page(request: Request) -> Response:
    with database(request).read() as session:
        if accounts.admin_exists(session):
            return error_page(request, 404, "Setup is complete", SETUP_GONE)
    return render(request, "setup.html", title="Set up idstream", values={}, errors={})


def _setup_refused(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    general: list[str] | None = None,
) -> Response:
    """The setup form again with what was typed (never the passwords) and why it was refused."""
    return render(
        request,
        "setup.html",
        400,
        title="Set up idstream",
        values=values,
        errors=errors,
        general=general or [],
    )


@router.post("/setup")
def setup(request: Request, form: CheckedForm) -> Response:
    values = {
        "email": text(form, "email"),
        "firstName": text(form, "firstName"),
        "lastName": text(form, "lastName"),
    }
    password = raw_text(form, "password")
    if password != raw_text(form, "confirmPassword"):
        return _setup_refused(
            request, values, {"confirmPassword": "The two passwords are not the same."}
        )
    try:
        with database(request).unit_of_work() as session:
            created = accounts.create_first_admin(
                session, values, password, client_event_info(request)
            )
    except ValidationFailed as error:
        return _setup_refused(request, values, field_messages(error), general_messages(error))
    if created is None:
        return error_page(request, 404, "Setup is complete", SETUP_GONE)
    replace_session(request, AdminSession.fresh(created.user_id, created.email))
    return redirect(f"{PREFIX}/")
