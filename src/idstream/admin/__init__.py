"""The admin web UI, served at /admin by the same process as the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from idstream.admin.web import PREFIX, STATIC


def install(app: FastAPI) -> None:
    """Mount the admin pages and their static files on the app."""
    from idstream.admin.routes import router

    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="admin-static")
    app.include_router(router)
