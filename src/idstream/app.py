"""create_app(settings): the FastAPI application, its routers, error mapping and workers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from idstream.config import Settings
from idstream.db import Database
from idstream.errors import ApiError, ValidationFailed
from idstream.features import register_commit_hooks, register_routers, register_workers
from idstream.web import empty_response, json_response
from idstream.workers import WorkerGroup

log = logging.getLogger(__name__)


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    database = db or Database(settings.database_url)
    workers = WorkerGroup()
    register_commit_hooks(database, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_workers:
            register_workers(app, workers)
            database.on_events_committed.append(workers.wake_all)
            workers.start()
        try:
            yield
        finally:
            workers.stop()
            if db is None:
                database.dispose()

    app = FastAPI(title="idstream", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.db = database
    app.state.workers = workers

    @app.exception_handler(ValidationFailed)
    async def _validation_failed(_request: Request, error: ValidationFailed) -> Response:
        return json_response(error.body(), error.status_code)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> Response:
        return empty_response(error.status_code)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, error: RequestValidationError) -> Response:
        errors = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
            errors.append({"code": "[invalid]", "message": f"{where}: {item.get('msg')}"})
        return json_response({"generalErrors": errors}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return empty_response(404)
        return json_response(
            {"generalErrors": [{"code": f"[{error.status_code}]", "message": str(error.detail)}]},
            error.status_code,
        )

    @app.exception_handler(IntegrityError)
    async def _conflict(_request: Request, _error: IntegrityError) -> Response:
        # Validation checks uniqueness first; this is the race it cannot see: two requests
        # writing the same unique value at once. The loser is told, not given a 500.
        return json_response(
            {
                "generalErrors": [
                    {
                        "code": "[duplicate]",
                        "message": "Another request saved the same unique value at the same "
                        "time; nothing was saved. Retry the request.",
                    }
                ]
            },
            400,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> Response:
        # The details go to the log only: a response never carries internals.
        log.exception("unexpected error handling %s %s", _request.method, _request.url.path)
        return json_response(
            {
                "generalErrors": [
                    {
                        "code": "[InternalError]",
                        "message": "An unexpected error occurred; see the server log.",
                    }
                ]
            },
            500,
        )

    @app.get("/api/status")
    def status() -> Response:
        if database.ping():
            return json_response({"status": "ok"})
        return json_response({"status": "database unreachable"}, 503)

    register_routers(app)
    return app
