"""What every admin page shares: templates, the route class that turns any error into a
readable page (never a stack trace), CSRF-checked forms, and the signed-in admin's
transaction with a Caller that marks its changes as made through the UI."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from idstream.admin import accounts
from idstream.admin.sessions import CSRF_FIELD, CSRF_HEADER, read_session, write_cookie
from idstream.auth.caller import Caller
from idstream.db import Database
from idstream.errors import ApiError, NotFound, Unauthorized, ValidationFailed
from idstream.web import client_event_info

log = logging.getLogger(__name__)

PREFIX = "/admin"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Pages load their script and style from /admin/static only: injected markup cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# Forms are small; anything bigger is refused before it is parsed.
MAX_FORM_BYTES = 1_048_576


def format_instant(value: Any) -> str:
    if not isinstance(value, int):
        return ""
    moment = datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def _breakable(value: Any) -> Markup:
    """Text that may wrap after its dots and dashes (event type names, ids) on a phone."""
    text = str(escape(str(value)))
    return Markup(text.replace(".", ".<wbr>").replace("-", "-<wbr>"))


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["instant"] = format_instant
environment.filters["pretty_json"] = _pretty_json
environment.filters["breakable"] = _breakable
environment.globals["prefix"] = PREFIX


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = read_session(request)
    admin: AdminUser | None = getattr(request.state, "admin_user", None)
    html = environment.get_template(template).render(
        request=request,
        csrf_token=session.csrf,
        admin=admin,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def is_inline(request: Request) -> bool:
    """A request from admin.js asking for a piece of a page (it sends the CSRF header)."""
    return CSRF_HEADER in request.headers


def render_fragment(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A piece of a page for admin.js to put in place, or the same piece inside a whole page
    when the browser runs no script."""
    if is_inline(request):
        return render(request, template, status_code, **context)
    title = context.pop("title", "Result")
    return render(
        request, "fragment_page.html", status_code, title=title, fragment=template, **context
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    try:
        return render(request, "error.html", status_code, title=title, message=message)
    except Exception:
        # The error page must never fail in turn: plain text, still no internals.
        log.exception("the admin error page could not be rendered")
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
        return HTMLResponse(body + f"<p>{escape(message)}</p>", status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _error_response(request: Request, error: Exception) -> Response:
    if isinstance(error, Redirect):
        return redirect(error.url)
    if isinstance(error, Forbidden):
        return error_page(request, 403, "Not allowed", error.message)
    if isinstance(error, NotFound) or (
        isinstance(error, StarletteHTTPException) and error.status_code == 404
    ):
        return error_page(
            request, 404, "Not found", "There is nothing here: it may have been deleted."
        )
    if isinstance(error, ValidationFailed):
        return error_page(request, error.status_code, "That did not work", error.summary())
    if isinstance(error, Unauthorized):
        return error_page(request, 403, "Not allowed", "You may not do that.")
    if isinstance(error, (RequestValidationError, ApiError)):
        return error_page(
            request, 400, "Bad request", "The request was not understood; go back and try again."
        )
    log.exception("admin page %s %s failed", request.method, request.url.path, exc_info=error)
    return error_page(
        request,
        500,
        "Something went wrong",
        "The page could not be shown because of an unexpected error. It has been written to "
        "the server log; try again, and tell whoever runs idstream if it keeps happening.",
    )


class AdminRoute(APIRoute):
    """Every admin route answers with a page: errors become an error page, redirects a 303,
    and a session that changed is written back as a cookie."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except Exception as error:
                response = _error_response(request, error)
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            write_cookie(request, response)
            return response

        return handler


async def _checked_form(request: Request) -> FormData:
    """The posted form, after its CSRF token has been matched to the session's."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise Forbidden("The form is too large.")
    form = await request.form(max_files=0, max_fields=2000)
    token = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not read_session(request).csrf_ok(token if isinstance(token, str) else None):
        raise Forbidden(
            "The form had expired or did not come from this site. Reload the page and try again."
        )
    return form


CheckedForm = Annotated[FormData, Depends(_checked_form)]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def raw_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


def optional_int(form: FormData, name: str) -> int | str | None:
    """A number field: the int, None when blank, or the raw text (for the service to refuse
    with a message naming the field)."""
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class AdminUser:
    user_id: str
    email: str

    def caller(self) -> Caller:
        """The admin as a service sees them: unrestricted, audited as themselves."""
        return Caller(
            key_id=None, tenant_id=None, key_manager=True, name=self.email, via_admin_ui=True
        )


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _current_admin(request: Request) -> AdminUser:
    session = read_session(request)
    db = database(request)
    if session.user_id:
        with db.read() as reading:
            email = accounts.active_admin_email(reading, session.user_id)
        if email:
            admin = AdminUser(session.user_id, email)
            request.state.admin_user = admin
            return admin
    with db.read() as reading:
        needs_setup = not accounts.admin_exists(reading)
    if needs_setup:
        raise Redirect(f"{PREFIX}/setup")
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    raise Redirect(f"{PREFIX}/login?next={quote(target, safe='')}")


CurrentAdmin = Annotated[AdminUser, Depends(_current_admin)]


@dataclass
class AdminCall:
    session: Session
    admin: AdminUser
    request: Request

    @property
    def caller(self) -> Caller:
        return self.admin.caller()

    def event_info(self) -> dict[str, Any]:
        return client_event_info(self.request)


@contextlib.contextmanager
def admin_transaction(request: Request, admin: AdminUser) -> Iterator[AdminCall]:
    with database(request).unit_of_work() as session:
        yield AdminCall(session, admin, request)


@contextlib.contextmanager
def admin_read(request: Request, admin: AdminUser) -> Iterator[AdminCall]:
    with database(request).read() as session:
        yield AdminCall(session, admin, request)


def field_messages(error: ValidationFailed) -> dict[str, str]:
    """Field errors keyed by field path, one message each, for showing beside the field."""
    return {
        name: " ".join(item["message"] for item in items)
        for name, items in error.field_errors.items()
    }


def general_messages(error: ValidationFailed) -> list[str]:
    return [item["message"] for item in error.general_errors]


def page_router() -> APIRouter:
    """A router whose routes answer with pages, errors included (see AdminRoute)."""
    return APIRouter(route_class=AdminRoute)
