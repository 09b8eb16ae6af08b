"""Password hashing (salted PBKDF2-HMAC-SHA256, the tenant's factor) and the tenant's
password rules. A hash is stored as `scheme$factor$salt$digest`, so a later change of the
tenant's factor never breaks existing passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from idstream.errors import Errors

SCHEME = "salted-pbkdf2-hmac-sha256"
DEFAULT_FACTOR = 24000
DEFAULT_MIN_LENGTH = 8
DEFAULT_MAX_LENGTH = 256


def _digest(password: str, salt: bytes, factor: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, factor)


def hash_password(password: str, factor: int = DEFAULT_FACTOR) -> str:
    salt = secrets.token_bytes(32)
    digest = _digest(password, salt, factor)
    encode = base64.b64encode
    return f"{SCHEME}${factor}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not isinstance(password, str):
        return False
    try:
        scheme, factor, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _digest(password, base64.b64decode(salt), int(factor))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def unusable_hash() -> str:
    """A hash no password matches: for users who will set theirs from the setup e-mail."""
    return hash_password(secrets.token_urlsafe(32), 1)


def tenant_factor(tenant_doc: dict[str, Any]) -> int:
    config = tenant_doc.get("passwordEncryptionConfiguration") or {}
    factor = config.get("encryptionSchemeFactor")
    return factor if isinstance(factor, int) and factor > 0 else DEFAULT_FACTOR


def check_rules(errors: Errors, password: str, rules: dict[str, Any], field: str) -> None:
    """FusionAuth's passwordValidationRules, with its error codes."""
    min_length = rules.get("minLength") or DEFAULT_MIN_LENGTH
    max_length = rules.get("maxLength") or DEFAULT_MAX_LENGTH
    if len(password) < min_length:
        errors.field(
            field, "tooShort", f"The [{field}] must be at least {min_length} characters long."
        )
    elif len(password) > max_length:
        errors.field(
            field, "tooLong", f"The [{field}] must be at most {max_length} characters long."
        )
    if rules.get("requireMixedCase") and (
        password.lower() == password or password.upper() == password
    ):
        errors.field(
            field, "singleCase", f"The [{field}] must contain upper and lower case letters."
        )
    if rules.get("requireNonAlpha") and password.isalpha():
        errors.field(field, "onlyAlpha", f"The [{field}] must contain a non-alphabetic character.")
    if rules.get("requireNumber") and not any(c.isdigit() for c in password):
        errors.field(field, "requireNumber", f"The [{field}] must contain a number.")
