"""The one catalogue of event types: FusionAuth's names, scope, and whether a webhook
transaction may hold the change back. No event type string is written anywhere else."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scope(enum.Enum):
    SYSTEM = "system"  # audit and event log, kickstart: no tenantId, always recorded
    TENANT = "tenant"  # recorded only when the tenant's eventConfiguration enables the type


@dataclass(frozen=True)
class EventType:
    name: str
    scope: Scope
    # FusionAuth marks some events NonTransactional: they are sent after the change commits,
    # whatever transactionType the tenant configured.
    transactional: bool = True

    @property
    def is_tenant_event(self) -> bool:
        return self.scope is Scope.TENANT


def _system(name: str) -> EventType:
    return EventType(name, Scope.SYSTEM, transactional=False)


def _tenant(name: str, transactional: bool = True) -> EventType:
    return EventType(name, Scope.TENANT, transactional)


AUDIT_LOG_CREATE = _system("audit-log.create")
EVENT_LOG_CREATE = _system("event-log.create")
KICKSTART_SUCCESS = _system("kickstart.success")

JWT_PUBLIC_KEY_UPDATE = _tenant("jwt.public-key.update")
JWT_REFRESH = _tenant("jwt.refresh")
JWT_REFRESH_TOKEN_REVOKE = _tenant("jwt.refresh-token.revoke")

USER_ACTION = _tenant("user.action")
USER_BULK_CREATE = _tenant("user.bulk.create")
USER_CREATE = _tenant("user.create")
USER_CREATE_COMPLETE = _tenant("user.create.complete", transactional=False)
USER_DEACTIVATE = _tenant("user.deactivate")
USER_DELETE = _tenant("user.delete")
USER_DELETE_COMPLETE = _tenant("user.delete.complete", transactional=False)
USER_EMAIL_UPDATE = _tenant("user.email.update", transactional=False)
USER_EMAIL_VERIFIED = _tenant("user.email.verified")
USER_LOGIN_FAILED = _tenant("user.login.failed")
USER_LOGIN_NEW_DEVICE = _tenant("user.login.new-device")
USER_LOGIN_SUCCESS = _tenant("user.login.success")
USER_LOGIN_SUSPICIOUS = _tenant("user.login.suspicious")
USER_PASSWORD_BREACH = _tenant("user.password.breach")
USER_PASSWORD_RESET_SEND = _tenant("user.password.reset.send", transactional=False)
USER_PASSWORD_RESET_START = _tenant("user.password.reset.start", transactional=False)
USER_PASSWORD_RESET_SUCCESS = _tenant("user.password.reset.success", transactional=False)
USER_PASSWORD_UPDATE = _tenant("user.password.update", transactional=False)
USER_REACTIVATE = _tenant("user.reactivate")
USER_REGISTRATION_CREATE = _tenant("user.registration.create")
USER_REGISTRATION_CREATE_COMPLETE = _tenant(
    "user.registration.create.complete", transactional=False
)
USER_REGISTRATION_DELETE = _tenant("user.registration.delete")
USER_REGISTRATION_DELETE_COMPLETE = _tenant(
    "user.registration.delete.complete", transactional=False
)
USER_REGISTRATION_UPDATE = _tenant("user.registration.update")
USER_REGISTRATION_UPDATE_COMPLETE = _tenant(
    "user.registration.update.complete", transactional=False
)
USER_REGISTRATION_VERIFIED = _tenant("user.registration.verified")
USER_UPDATE = _tenant("user.update")
USER_UPDATE_COMPLETE = _tenant("user.update.complete", transactional=False)

# The test message of "Send test event" is not an event of the store, but its type is named
# here all the same so that no other module spells it.
TEST = EventType("test", Scope.SYSTEM, transactional=False)

ALL: tuple[EventType, ...] = tuple(
    value
    for value in list(globals().values())
    if isinstance(value, EventType) and value is not TEST
)
BY_NAME: dict[str, EventType] = {event_type.name: event_type for event_type in ALL}
SYSTEM_EVENTS = tuple(t for t in ALL if t.scope is Scope.SYSTEM)
TENANT_EVENTS = tuple(t for t in ALL if t.scope is Scope.TENANT)

TRANSACTION_TYPES = ("None", "Any", "SimpleMajority", "SuperMajority", "AbsoluteMajority")


def lookup(name: str) -> EventType | None:
    return BY_NAME.get(name)
