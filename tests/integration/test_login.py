"""/api/login: FusionAuth's status codes, a JWT signed with the tenant's key, and the
user.login.success / user.login.failed events."""

from __future__ import annotations

from typing import Any

import jwt
from fastapi.testclient import TestClient

from idstream.db import Database
from idstream.keys import service as keys
from idstream.tenants import service as tenants
from tests.integration.test_applications import create_application
from tests.integration.test_users import (
    PASSWORD,
    create_user,
    enable_events,
    field_code,
    stored_events,
)


def login(client: TestClient, **body: Any) -> Any:
    return client.post("/api/login", json={"password": PASSWORD, **body})


def registered_user(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    app = create_application(client)
    user = create_user(client)
    response = client.post(
        f"/api/user/registration/{user['id']}",
        json={"registration": {"applicationId": app["id"], "roles": ["admin"]}},
    )
    assert response.status_code == 200, response.text
    return user, app


def test_success_returns_user_and_token_signed_with_the_tenant_key(
    client: TestClient, database: Database
) -> None:
    user, app = registered_user(client)
    response = login(client, loginId="NEWUSER@example.com", applicationId=app["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["id"] == user["id"]
    header = jwt.get_unverified_header(body["token"])
    with database.read() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        key = keys.tenant_signing_key(session, tenant)
        secret, kid = keys.hmac_secret(key), key.kid
    assert header["kid"] == kid
    claims = jwt.decode(body["token"], secret, algorithms=["HS256"], audience=app["id"])
    assert claims["sub"] == user["id"]
    assert claims["roles"] == ["admin"]
    assert claims["authenticationType"] == "PASSWORD"
    assert body["tokenExpirationInstant"] // 1000 == claims["exp"]


def test_success_records_login_success(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user, app = registered_user(client)
    login(client, loginId=user["email"], applicationId=app["id"], ipAddress="42.42.42.42")
    [event] = stored_events(database, "user.login.success")
    assert event["applicationId"] == app["id"]
    assert event["authenticationType"] == "PASSWORD"
    assert event["ipAddress"] == "42.42.42.42"
    assert event["info"]["ipAddress"] == "42.42.42.42"
    assert event["user"]["id"] == user["id"]


def test_success_updates_last_login_instant(client: TestClient) -> None:
    user, app = registered_user(client)
    response = login(client, loginId=user["email"], applicationId=app["id"])
    after = client.get(f"/api/user/{user['id']}").json()["user"]
    assert after["lastLoginInstant"] >= user["lastLoginInstant"]
    assert after["lastLoginInstant"] == response.json()["user"]["lastLoginInstant"]
    assert after["registrations"][0]["lastLoginInstant"] == after["lastLoginInstant"]


def test_not_registered_is_202(client: TestClient) -> None:
    app = create_application(client)
    user = create_user(client)
    response = login(client, loginId=user["email"], applicationId=app["id"])
    assert response.status_code == 202
    assert response.json()["user"]["id"] == user["id"]


def test_wrong_password_is_404_and_records_login_failed(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user, app = registered_user(client)
    response = client.post(
        "/api/login",
        json={"loginId": user["email"], "password": "wrong password", "applicationId": app["id"]},
    )
    assert response.status_code == 404
    assert response.content == b""
    [event] = stored_events(database, "user.login.failed")
    assert event["reason"] == {"code": "credentials"}
    assert event["applicationId"] == app["id"]
    assert event["user"]["id"] == user["id"]


def test_unknown_user_is_404_without_event(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    assert login(client, loginId="nobody@example.com").status_code == 404
    assert stored_events(database, "user.login.failed") == []


def test_inactive_user_is_423_and_records_login_failed(
    client: TestClient, database: Database, default_tenant_id: str
) -> None:
    enable_events(client, default_tenant_id)
    user = create_user(client)
    client.delete(f"/api/user/{user['id']}")
    assert login(client, loginId=user["email"]).status_code == 423
    assert len(stored_events(database, "user.login.failed")) == 1


def test_missing_login_id_and_password_are_400(client: TestClient) -> None:
    response = client.post("/api/login", json={})
    assert field_code(response, "loginId") == "[blank]loginId"
    assert response.json()["fieldErrors"]["password"][0]["code"] == "[blank]password"


def test_unknown_or_malformed_application_is_400(client: TestClient) -> None:
    user = create_user(client)
    for application_id in ("00000000-0000-0000-0000-000000000042", "nope"):
        response = login(client, loginId=user["email"], applicationId=application_id)
        assert field_code(response, "applicationId") == "[invalid]applicationId"


def test_without_api_key_needs_an_application_that_allows_it(
    client: TestClient, raw_client: TestClient
) -> None:
    user = create_user(client)
    open_app = create_application(
        client, name="Open", loginConfiguration={"requireAuthentication": False}
    )
    closed_app = create_application(client, name="Closed")
    anonymous = {"Authorization": ""}
    body = {"loginId": user["email"], "password": PASSWORD}
    closed = raw_client.post(
        "/api/login", json={**body, "applicationId": closed_app["id"]}, headers=anonymous
    )
    assert closed.status_code == 401
    opened = raw_client.post(
        "/api/login", json={**body, "applicationId": open_app["id"]}, headers=anonymous
    )
    assert opened.status_code == 202


def test_no_jwt_leaves_out_the_token(client: TestClient) -> None:
    user = create_user(client)
    response = login(client, loginId=user["email"], noJWT=True)
    assert response.status_code == 200
    assert "token" not in response.json()
