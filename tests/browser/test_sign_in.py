"""First run and sign-in, in Chromium against a running server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, RunningServer, screenshots

pytestmark = pytest.mark.browser


def test_setup_creates_the_first_admin_then_is_gone(page: Any, fresh_server: RunningServer) -> None:
    page.goto(fresh_server.admin_url("/"))
    page.wait_for_url("**/admin/setup")
    screenshots(page, "setup")

    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()

    page.wait_for_url("**/admin/users")
    assert page.get_by_text(f"Signed in as {ADMIN_EMAIL}").is_visible()
    page.goto(fresh_server.admin_url("/setup"))
    assert page.get_by_role("heading", name="Setup is complete").is_visible()


def test_wrong_password_is_refused_with_a_message(page: Any, server: RunningServer) -> None:
    page.goto(server.admin_url("/login"))
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("alert").inner_text() == "The e-mail address or password is not right."
    screenshots(page, "login")


def test_sign_in_works_with_the_keyboard_alone(page: Any, server: RunningServer) -> None:
    page.goto(server.admin_url("/login"))

    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-email":
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")

    assert outline != "none"
    page.wait_for_url("**/admin/users")
