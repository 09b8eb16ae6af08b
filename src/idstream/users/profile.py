"""A user's profile fields from a request: type checks, e-mail form, login id uniqueness, and
the indexed columns derived from them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from idstream.errors import Errors
from idstream.jsondoc import check_type
from idstream.users import lookup
from idstream.users.models import User

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Fields of FusionAuth's User a request may set, with their JSON types.
PROFILE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "birthDate": str,
    "data": dict,
    "email": str,
    "expiry": int,
    "firstName": str,
    "fullName": str,
    "imageUrl": str,
    "lastName": str,
    "middleName": str,
    "mobilePhone": str,
    "parentEmail": str,
    "passwordChangeRequired": bool,
    "phoneNumber": str,
    "preferredLanguages": list,
    "timezone": str,
    "twoFactor": dict,
    "username": str,
}
BIRTH_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse(errors: Errors, body: dict[str, Any]) -> dict[str, Any]:
    """The request's User fields, type-checked; unknown and server-kept fields are ignored."""
    profile: dict[str, Any] = {}
    for key, kind in PROFILE_FIELDS.items():
        value = check_type(errors, body, key, f"user.{key}", kind)
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        if value is not None:
            profile[key] = value
    email = profile.get("email")
    if email is not None and not EMAIL_PATTERN.match(email):
        errors.field("user.email", "notEmail", f"The [user.email] value [{email}] is not an email.")
    birth = profile.get("birthDate")
    if birth is not None and not BIRTH_DATE.match(birth):
        errors.field(
            "user.birthDate", "invalid", "The [user.birthDate] must be a date as YYYY-MM-DD."
        )
    languages = profile.get("preferredLanguages")
    if languages is not None and not all(isinstance(x, str) for x in languages):
        errors.field(
            "user.preferredLanguages",
            "invalid",
            "The [user.preferredLanguages] field must be an array of strings.",
        )
    if (
        "email" not in profile
        and "username" not in profile
        and "user.email" not in errors.field_errors
        and "user.username" not in errors.field_errors
    ):
        errors.field(
            "user.email",
            "blank",
            "You must specify either the [user.email] or [user.username] property.",
        )
    return profile


def check_login_ids(
    session: Session,
    errors: Errors,
    tenant_id: str,
    profile: dict[str, Any],
    *,
    user_id: str | None,
) -> None:
    email, username = profile.get("email"), profile.get("username")
    if email and "user.email" not in errors.field_errors:
        clash = lookup.find_by_email(session, tenant_id, email)
        if clash is not None and clash.id != user_id:
            errors.field("user.email", "duplicate", f"A user with email [{email}] already exists.")
    if username and "user.username" not in errors.field_errors:
        clash = lookup.find_by_username(session, tenant_id, username)
        if clash is not None and clash.id != user_id:
            errors.field(
                "user.username",
                "duplicate",
                f"A user with username [{username}] already exists.",
            )


def index(user: User) -> None:
    doc = user.doc
    user.email = doc["email"].lower() if doc.get("email") else None
    user.username = doc["username"].lower() if doc.get("username") else None
    words = [doc.get(k) for k in ("email", "username", "firstName", "middleName", "lastName")]
    words.append(doc.get("fullName"))
    user.search_text = " ".join(str(w).lower() for w in words if w)


def clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None}
