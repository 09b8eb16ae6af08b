"""Password hashing and the tenant's password rules."""

from __future__ import annotations

from idstream.auth import passwords
from idstream.errors import Errors


def test_hash_verifies_the_right_password_only() -> None:
    stored = passwords.hash_password("correct horse", 1000)
    assert passwords.verify_password("correct horse", stored)
    assert not passwords.verify_password("wrong horse", stored)


def test_hash_is_salted_and_records_its_factor() -> None:
    first = passwords.hash_password("same", 1000)
    second = passwords.hash_password("same", 1000)
    assert first != second
    assert first.split("$")[:2] == ["salted-pbkdf2-hmac-sha256", "1000"]


def test_malformed_or_missing_hash_never_verifies() -> None:
    assert not passwords.verify_password("x", None)
    assert not passwords.verify_password("x", "garbage")
    assert not passwords.verify_password("x", "other$1$AA==$AA==")


def test_tenant_factor_defaults_to_24000() -> None:
    assert passwords.tenant_factor({}) == 24000
    config = {"passwordEncryptionConfiguration": {"encryptionSchemeFactor": 5}}
    assert passwords.tenant_factor(config) == 5


def _codes(password: str, rules: dict[str, object]) -> list[str]:
    errors = Errors()
    passwords.check_rules(errors, password, rules, "user.password")
    return [e["code"] for e in errors.field_errors.get("user.password", [])]


def test_rules_use_fusionauth_codes() -> None:
    assert _codes("short", {}) == ["[tooShort]user.password"]
    assert _codes("x" * 20, {"maxLength": 10}) == ["[tooLong]user.password"]
    assert _codes("alllowercase", {"requireMixedCase": True}) == ["[singleCase]user.password"]
    assert _codes("onlyletters", {"requireNonAlpha": True}) == ["[onlyAlpha]user.password"]
    assert _codes("no-numbers-here", {"requireNumber": True}) == ["[requireNumber]user.password"]
    assert _codes("Good-Passw0rd", {"requireMixedCase": True, "requireNumber": True}) == []
