"""Every admin page under /admin, one module per page group."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from idstream.admin.pages import auth, kafka, logs, stream, tenants, users, webhooks
from idstream.admin.web import PREFIX, AdminRoute, CurrentAdmin, error_page, redirect

router = APIRouter(prefix=PREFIX, route_class=AdminRoute)
for pages in (auth, users, tenants, kafka, webhooks, logs, stream):
    router.include_router(pages.router)


@router.get("")
@router.get("/")
def home(admin: CurrentAdmin) -> Response:
    del admin
    return redirect(f"{PREFIX}/users")


# Last: any other /admin address is a page that says so, not an empty 404.
@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def not_found(request: Request, rest: str) -> Response:
    del rest
    return error_page(request, 404, "Not found", "There is no such page in the admin UI.")
