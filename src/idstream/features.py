"""The features wired into the application: each adds its routers and background workers here."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from idstream.admin import install as install_admin
from idstream.applications.api import router as applications_router
from idstream.auditlog.api import router as audit_log_router
from idstream.auth.apikeys_api import router as api_keys_router
from idstream.config import Settings
from idstream.db import Database
from idstream.email.api import router as email_templates_router
from idstream.email.worker import EmailWorker
from idstream.eventlog.api import router as event_log_router
from idstream.kafka.api import router as kafka_router
from idstream.kafka.relay import KafkaRelay
from idstream.keys.api import router as keys_router
from idstream.login.api import router as login_router
from idstream.system.config_api import router as system_configuration_router
from idstream.tenants.api import router as tenants_router
from idstream.users.api import router as users_router
from idstream.webhooks.api import router as webhooks_router
from idstream.webhooks.dispatcher import Dispatcher, DispatcherOptions, EventPruner
from idstream.webhooks.logs_api import router as webhook_logs_router
from idstream.webhooks.transactional import TransactionalWebhooks
from idstream.workers import WorkerGroup


def register_routers(app: FastAPI) -> None:
    routers: tuple[APIRouter, ...] = (
        tenants_router,
        api_keys_router,
        users_router,
        applications_router,
        login_router,
        keys_router,
        audit_log_router,
        event_log_router,
        system_configuration_router,
        email_templates_router,
        webhooks_router,
        webhook_logs_router,
        kafka_router,
    )
    for router in routers:
        app.include_router(router)
    # The admin UI last: its catch-all page answers only what no other /admin route does.
    install_admin(app)


def register_workers(app: FastAPI, workers: WorkerGroup) -> None:
    """Background work of every feature; started by the app's lifespan when run_workers."""
    workers.add(EmailWorker(app.state.db))
    dispatcher = Dispatcher(
        app.state.db, app.state.settings, options=DispatcherOptions(min_pass_seconds=0.05)
    )
    dispatcher.on_progress = workers.add(dispatcher, idle_seconds=0.5).wake
    workers.add(EventPruner(app.state.db, app.state.settings), idle_seconds=60)
    workers.add(KafkaRelay(app.state.db), idle_seconds=1.0)


def register_commit_hooks(database: Database, settings: Settings) -> None:
    """Work that must run inside every transaction, just before it commits (transactional
    webhooks)."""
    database.before_commit_hooks.append(TransactionalWebhooks(settings))
