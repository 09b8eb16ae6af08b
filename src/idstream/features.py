"""The features wired into the application: each adds its routers and background workers here."""

from __future__ import annotations

from fastapi import FastAPI

from idstream.auth.apikeys_api import router as api_keys_router
from idstream.config import Settings
from idstream.db import Database
from idstream.tenants.api import router as tenants_router
from idstream.workers import WorkerGroup


def register_routers(app: FastAPI) -> None:
    for router in (tenants_router, api_keys_router):
        app.include_router(router)


def register_workers(app: FastAPI, workers: WorkerGroup) -> None:
    """Background work of every feature; started by the app's lifespan when run_workers."""
    del app, workers


def register_commit_hooks(database: Database, settings: Settings) -> None:
    """Work that must run inside every transaction, just before it commits (transactional
    webhooks)."""
    del database, settings
