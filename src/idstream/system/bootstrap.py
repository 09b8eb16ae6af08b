"""First start: the Default tenant and the built-in admin application, created exactly once
even when several processes start on the same database together."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from idstream import clock
from idstream.applications.models import Application
from idstream.db import Database
from idstream.system.models import Setting
from idstream.tenants import service as tenants

INSTANCE = "instance"
# FusionAuth's own admin application id, kept so that tools which look it up find it.
ADMIN_APPLICATION_ID = "3c219e58-ed0e-4b18-ad48-f4f92793ae32"
ADMIN_APPLICATION_NAME = "idstream"
ADMIN_ROLES = ("admin", "user_manager", "user_support_manager")


def is_initialized(db: Database) -> bool:
    with db.read() as session:
        return session.get(Setting, INSTANCE) is not None


def initialize(db: Database) -> bool:
    """Returns True when this call seeded the database, False when it already was."""
    if is_initialized(db):
        return False
    try:
        with db.unit_of_work() as session:
            if session.get(Setting, INSTANCE) is not None:
                return False
            now = clock.now_ms()
            # The marker row goes first: a second process racing us fails on its primary key.
            session.add(
                Setting(name=INSTANCE, doc={"initializedInstant": now}, last_update_instant=now)
            )
            session.flush()
            tenant = tenants.create(session, {"tenant": {"name": tenants.DEFAULT_TENANT_NAME}})
            session.add(
                Application(
                    id=ADMIN_APPLICATION_ID,
                    tenant_id=tenant.id,
                    name=ADMIN_APPLICATION_NAME,
                    doc={
                        "active": True,
                        "roles": [
                            {"name": role, "isSuperRole": role == "admin", "isDefault": False}
                            for role in ADMIN_ROLES
                        ],
                    },
                    insert_instant=now,
                    last_update_instant=now,
                )
            )
        return True
    except IntegrityError:
        return False


def mark(db: Database, key: str) -> bool:
    """Set a once-only flag on the instance (e.g. the kickstart ran); False if already set."""
    with db.unit_of_work() as session:
        instance = session.get(Setting, INSTANCE, with_for_update=True)
        assert instance is not None
        if instance.doc.get(key):
            return False
        instance.doc = {**instance.doc, key: clock.now_ms()}
        instance.last_update_instant = clock.now_ms()
        return True
