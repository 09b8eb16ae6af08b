"""Every feature's tables, imported so that one metadata knows them all (Alembic, tests)."""

from idstream.applications.models import Application
from idstream.auditlog.models import AuditLog
from idstream.auth.models import ApiKey
from idstream.db import Base, Counter
from idstream.email.models import EmailTemplate, OutboxEmail
from idstream.eventlog.models import EventLog
from idstream.events.cursors import EventCursor
from idstream.events.store import StoredEvent
from idstream.kafka.models import KafkaRelayState
from idstream.keys.models import Key
from idstream.system.models import Setting
from idstream.tenants.models import Tenant
from idstream.users.models import Registration, User
from idstream.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

metadata = Base.metadata

__all__ = ["ApiKey", "Application", "Counter", "Setting", "StoredEvent", "Tenant", "metadata"]
__all__ += ["EmailTemplate", "EventLog", "OutboxEmail"]
__all__ += ["AuditLog", "Key", "Registration", "User"]
__all__ += ["EventCursor", "Webhook", "WebhookAttempt", "WebhookDelivery"]
__all__ += ["KafkaRelayState"]
