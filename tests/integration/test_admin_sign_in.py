"""The admin UI's door: first-run setup, sign-in, the session cookie, CSRF and the sign-in rate
limit, checked on the server without a browser (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from idstream import clock
from idstream.admin import sessions
from idstream.db import Database
from idstream.events.store import StoredEvent
from idstream.system.bootstrap import ADMIN_APPLICATION_ID
from idstream.tenants import service as tenants
from idstream.users import service as users
from tests.integration.admin_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    create_admin,
    csrf_token,
    messages,
    sign_in,
)


def _setup(client: TestClient, **fields: str) -> object:
    data = {
        "csrf": csrf_token(client, "/admin/setup"),
        "email": ADMIN_EMAIL,
        "password": ADMIN_PASSWORD,
        "confirmPassword": ADMIN_PASSWORD,
        **fields,
    }
    return client.post("/admin/setup", data=data, follow_redirects=False)


def _enable(database: Database, event_type: str) -> None:
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        events = {event_type: {"enabled": True, "transactionType": "None"}}
        tenants.update(
            session, tenant, {"tenant": {"eventConfiguration": {"events": events}}}, patch=True
        )


def test_admin_pages_send_a_first_visitor_to_setup(raw_client: TestClient) -> None:
    response = raw_client.get("/admin/users", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/setup"


def test_setup_creates_an_admin_registered_with_the_admin_role(
    raw_client: TestClient, database: Database
) -> None:
    response = _setup(raw_client)

    assert response.status_code == 303  # type: ignore[attr-defined]
    with database.read() as session:
        user = users.find_by_login_id(session, None, ADMIN_EMAIL)
        assert user is not None
        [registration] = user.registrations
        assert registration.application_id == ADMIN_APPLICATION_ID
        assert registration.doc["roles"] == ["admin"]
    assert raw_client.get("/admin/users").status_code == 200


def test_setup_is_gone_once_an_admin_exists(raw_client: TestClient, database: Database) -> None:
    create_admin(database)

    page = raw_client.get("/admin/setup")
    posted = _setup(raw_client, email="second@example.com")

    assert page.status_code == 404
    assert posted.status_code == 404  # type: ignore[attr-defined]
    with database.read() as session:
        assert users.find_by_login_id(session, None, "second@example.com") is None


def test_setup_with_a_short_password_shows_the_error_by_the_field(
    raw_client: TestClient,
) -> None:
    response = _setup(raw_client, password="short", confirmPassword="short")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert any("at least 8" in m for m in messages(response.text))  # type: ignore[attr-defined]


def test_signed_out_visitors_are_sent_to_sign_in(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)

    response = raw_client.get("/admin/tenants", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Ftenants"


def test_the_session_cookie_is_signed_http_only_and_same_site(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)
    token = csrf_token(raw_client)

    response = raw_client.post(
        "/admin/login",
        data={"csrf": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        follow_redirects=False,
    )

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/admin" in cookie


def test_a_forged_session_cookie_is_not_accepted(
    raw_client: TestClient, database: Database
) -> None:
    user_id = create_admin(database)
    forged = sessions.sign(
        {"csrf": "x", "uid": user_id, "email": ADMIN_EMAIL, "iat": clock.now_ms()},
        b"not the secret",
    )
    raw_client.cookies.set(sessions.COOKIE_NAME, forged, path="/admin")

    response = raw_client.get("/admin/users", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_a_form_without_its_csrf_token_is_refused(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)
    sign_in(raw_client)

    response = raw_client.post(
        "/admin/users/add", data={"email": "x@example.com", "password": "a good password"}
    )

    assert response.status_code == 403
    assert "The form had expired" in response.text
    with database.read() as session:
        assert users.find_by_login_id(session, None, "x@example.com") is None


def test_a_failed_sign_in_is_recorded_as_user_login_failed(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)
    _enable(database, "user.login.failed")

    response = raw_client.post(
        "/admin/login",
        data={"csrf": csrf_token(raw_client), "email": ADMIN_EMAIL, "password": "wrong!"},
    )

    assert response.status_code == 401
    with database.read() as session:
        payloads = session.scalars(
            select(StoredEvent.payload).where(StoredEvent.type == "user.login.failed")
        ).all()
    assert [json.loads(p)["event"]["user"]["email"] for p in payloads] == [ADMIN_EMAIL]


def test_sign_in_is_refused_after_five_failures_in_a_minute(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)
    token = csrf_token(raw_client)
    wrong = {"csrf": token, "email": ADMIN_EMAIL, "password": "wrong!"}
    for _ in range(5):
        assert raw_client.post("/admin/login", data=wrong).status_code == 401

    right = {**wrong, "password": ADMIN_PASSWORD}
    response = raw_client.post("/admin/login", data=right, follow_redirects=False)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_a_user_without_the_admin_role_cannot_sign_in(
    raw_client: TestClient, database: Database
) -> None:
    create_admin(database)
    with database.unit_of_work() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        users.create(
            session, tenant, {"user": {"email": "user@example.com", "password": "a password!"}}
        )

    response = raw_client.post(
        "/admin/login",
        data={
            "csrf": csrf_token(raw_client),
            "email": "user@example.com",
            "password": "a password!",
        },
    )

    assert response.status_code == 401


def test_a_deactivated_admin_is_signed_out_at_the_next_request(
    raw_client: TestClient, database: Database
) -> None:
    user_id = create_admin(database)
    sign_in(raw_client)
    with database.unit_of_work() as session:
        user = users.get(session, user_id)
        tenant = tenants.get(session, user.tenant_id)
        users.set_active(session, tenant, user, False)

    response = raw_client.get("/admin/users", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_signing_out_ends_the_session(raw_client: TestClient, database: Database) -> None:
    create_admin(database)
    sign_in(raw_client)
    token = csrf_token(raw_client, "/admin/users")

    raw_client.post("/admin/logout", data={"csrf": token}, follow_redirects=False)

    assert raw_client.get("/admin/users", follow_redirects=False).status_code == 303
