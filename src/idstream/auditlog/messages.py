"""Audit log messages in FusionAuth's wording."""

from __future__ import annotations

from typing import Any


def _name(user: dict[str, Any]) -> str:
    """The full name, or FusionAuth's "null" when the user has none."""
    full = user.get("fullName")
    if full:
        return str(full)
    parts = [user.get(k) for k in ("firstName", "middleName", "lastName") if user.get(k)]
    return " ".join(str(p) for p in parts) if parts else "null"


def _login(user: dict[str, Any]) -> str:
    return str(user.get("email") or user.get("username") or "null")


def user_created(user: dict[str, Any]) -> str:
    return f"Created user with Id [{user['id']}], name [{_name(user)}] and loginId [{_login(user)}]"


def _user_with_login(action: str, user: dict[str, Any]) -> str:
    return f"{action} the user with Id [{user['id']}] and loginId [{_login(user)}]"


def user_updated(user: dict[str, Any]) -> str:
    return _user_with_login("Updated", user)


def user_deleted(user: dict[str, Any]) -> str:
    return f"Deleted user with Id [{user['id']}]"


def user_deactivated(user: dict[str, Any]) -> str:
    return _user_with_login("Deactivated", user)


def user_reactivated(user: dict[str, Any]) -> str:
    return _user_with_login("Reactivated", user)


def email_verified(user: dict[str, Any]) -> str:
    return f"Verified the email address of the user with Id [{user['id']}]"


def _registration(action: str, registration: dict[str, Any], user_id: str) -> str:
    return (
        f"{action} user registration with Id [{registration['id']}] for user with Id "
        f"[{user_id}] and application with Id [{registration['applicationId']}]"
    )


def registration_created(registration: dict[str, Any], user_id: str) -> str:
    return _registration("Created", registration, user_id)


def registration_updated(registration: dict[str, Any], user_id: str) -> str:
    return _registration("Updated", registration, user_id)


def registration_deleted(user_id: str, application_id: str) -> str:
    return (
        f"Deleted user registration for user with Id [{user_id}] and the application "
        f"with Id [{application_id}]"
    )


def _with_id_and_name(action: str, kind: str, doc: dict[str, Any]) -> str:
    return f"{action} the {kind} with Id [{doc['id']}] and name [{doc['name']}]"


def application_created(application: dict[str, Any]) -> str:
    return _with_id_and_name("Created", "application", application)


def application_updated(application: dict[str, Any]) -> str:
    return _with_id_and_name("Updated", "application", application)


def application_deleted(application: dict[str, Any]) -> str:
    return _with_id_and_name("Deleted", "application", application)


def application_deactivated(application: dict[str, Any]) -> str:
    return _with_id_and_name("Deactivated", "application", application)


def application_reactivated(application: dict[str, Any]) -> str:
    return _with_id_and_name("Reactivated", "application", application)


def tenant_created(tenant: dict[str, Any]) -> str:
    return _with_id_and_name("Created", "tenant", tenant)


def tenant_updated(tenant: dict[str, Any]) -> str:
    return _with_id_and_name("Updated", "tenant", tenant)


def tenant_deleted(tenant: dict[str, Any]) -> str:
    return _with_id_and_name("Deleted", "tenant", tenant)


def key_generated(key: dict[str, Any]) -> str:
    return _with_id_and_name("Generated", "key", key)


def key_deleted(key: dict[str, Any]) -> str:
    return f"Deleted the key with Id [{key['id']}]"


def system_configuration_updated() -> str:
    return "Updated the system configuration"
