"""Shared by the admin UI's server-side tests: an admin, a signed-in client, CSRF tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from idstream.admin import accounts
from idstream.db import Database

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def create_admin(db: Database, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    with db.unit_of_work() as session:
        created = accounts.create_first_admin(
            session, {"email": email, "firstName": "Ada"}, password, {}
        )
    assert created is not None
    return created.user_id


def csrf_token(client: TestClient, path: str = "/admin/login") -> str:
    page = client.get(path)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(
    client: TestClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> TestClient:
    response = client.post(
        "/admin/login",
        data={"csrf": csrf_token(client), "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def messages(html: str) -> list[str]:
    """The error and field-error texts of a page."""
    return re.findall(r'class="(?:error-message|field-error)"[^>]*>([^<]*)<', html)
