"""Audit log messages in FusionAuth's wording, and secrets scrubbed from logged values."""

from __future__ import annotations

from idstream.auditlog import messages
from idstream.auditlog.service import scrub


def test_created_user_message_matches_the_brief() -> None:
    user = {"id": "3cbb85e7-ebf8-4c92-bc75-7ca8db4399db", "email": "newuser@example.com"}
    assert messages.user_created(user) == (
        "Created user with Id [3cbb85e7-ebf8-4c92-bc75-7ca8db4399db], name [null] "
        "and loginId [newuser@example.com]"
    )


def test_name_is_the_full_name_or_the_parts() -> None:
    base = {"id": "i", "username": "ada"}
    assert "name [Ada Lovelace]" in messages.user_created(
        {**base, "firstName": "Ada", "lastName": "Lovelace"}
    )
    assert "name [Countess]" in messages.user_created(
        {**base, "fullName": "Countess", "firstName": "Ada"}
    )
    assert messages.user_created(base).endswith("loginId [ada]")


def test_scrub_removes_secrets_at_any_depth() -> None:
    value = {"a": 1, "password": "p", "nested": [{"secret": "s", "salt": "x", "keep": True}]}
    assert scrub(value) == {"a": 1, "nested": [{"keep": True}]}
