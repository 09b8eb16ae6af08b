"""Every feature's tables, imported so that one metadata knows them all (Alembic, tests)."""

from idstream.applications.models import Application
from idstream.auth.models import ApiKey
from idstream.db import Base, Counter
from idstream.events.store import StoredEvent
from idstream.system.models import Setting
from idstream.tenants.models import Tenant

metadata = Base.metadata

__all__ = ["ApiKey", "Application", "Counter", "Setting", "StoredEvent", "Tenant", "metadata"]
