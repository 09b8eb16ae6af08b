"""The admin pages on the server, without a browser (SQLite and PostgreSQL): every page
renders, errors read as messages (never a stack trace), UI changes are audited as the admin,
and secrets never reach the browser."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from idstream.auditlog import service as audit
from idstream.db import Database
from idstream.kafka import config as kafka_config
from idstream.tenants import service as tenants
from idstream.users import search as user_search
from idstream.users import service as users
from idstream.webhooks import service as webhooks
from tests.integration.admin_helpers import (
    ADMIN_EMAIL,
    create_admin,
    csrf_token,
    messages,
    sign_in,
)

UI_REASON = "idstream User Interface"
PAGES = (
    "/admin/users",
    "/admin/users/add",
    "/admin/tenants",
    "/admin/tenants/add",
    "/admin/settings/integrations/kafka",
    "/admin/settings/webhooks",
    "/admin/settings/webhooks/add",
    "/admin/system/audit-log",
    "/admin/system/event-log",
    "/admin/system/webhook-event-log",
    "/admin/system/event-stream",
)


@pytest.fixture
def admin(raw_client: TestClient, database: Database) -> TestClient:
    """A client signed in as the first admin."""
    create_admin(database)
    return sign_in(raw_client)


def _default_tenant_id(database: Database) -> str:
    with database.read() as session:
        tenant = tenants.default_tenant(session)
        assert tenant is not None
        return tenant.id


def _post(client: TestClient, path: str, **data: str) -> object:
    return client.post(
        path, data={"csrf": csrf_token(client, "/admin/users"), **data}, follow_redirects=False
    )


def _make_user(database: Database, email: str = "u@example.com") -> str:
    with database.unit_of_work() as session:
        tenant = tenants.get(session, _default_tenant_id(database))
        return users.create(
            session, tenant, {"user": {"email": email, "password": "a password!"}}
        ).id


def _make_webhook(database: Database, **fields: object) -> str:
    webhook = {
        "url": "http://receiver.example.com/hook",
        "connectTimeout": 1000,
        "readTimeout": 2000,
        **fields,
    }
    with database.unit_of_work() as session:
        return webhooks.create(session, {"webhook": webhook}).id


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_signed_in_admin(admin: TestClient, path: str) -> None:
    response = admin.get(path)

    assert response.status_code == 200
    assert f"Signed in as <strong>{ADMIN_EMAIL}</strong>" in response.text


def test_an_unknown_admin_address_shows_a_not_found_page(admin: TestClient) -> None:
    response = admin.get("/admin/no/such/page")

    assert response.status_code == 404
    assert "There is no such page in the admin UI." in response.text


def test_an_unknown_user_shows_a_not_found_page(admin: TestClient) -> None:
    response = admin.get("/admin/users/6c8f5d8e-1b1e-4a0e-9d59-3d1f3c1c0f00")

    assert response.status_code == 404
    assert "it may have been deleted" in response.text


def test_an_unexpected_error_shows_a_message_and_no_stack_trace(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("internal detail /srv/secret.py line 42")

    monkeypatch.setattr(user_search, "search", broken)

    response = admin.get("/admin/users")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text


def test_a_user_added_in_the_ui_is_audited_as_the_signed_in_admin(
    admin: TestClient, database: Database
) -> None:
    response = _post(
        admin,
        "/admin/users/add",
        tenantId=_default_tenant_id(database),
        email="new@example.com",
        password="a good password",
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    with database.read() as session:
        entries, _total = audit.search(session, {"search": {"message": "new@example.com"}})
        assert [(e.insert_user, e.reason) for e in entries] == [(ADMIN_EMAIL, UI_REASON)]


def test_a_bad_user_shows_each_error_by_its_field(admin: TestClient, database: Database) -> None:
    response = _post(
        admin,
        "/admin/users/add",
        tenantId=_default_tenant_id(database),
        email="not an email",
        password="short",
    )

    assert response.status_code == 400  # type: ignore[attr-defined]
    shown = messages(response.text)  # type: ignore[attr-defined]
    assert any("is not an email" in m for m in shown)
    assert any("at least 8" in m for m in shown)


def test_deactivate_then_reactivate_a_user(admin: TestClient, database: Database) -> None:
    user_id = _make_user(database)

    _post(admin, f"/admin/users/{user_id}/deactivate")
    with database.read() as session:
        deactivated = users.get(session, user_id).active
    _post(admin, f"/admin/users/{user_id}/reactivate")
    with database.read() as session:
        reactivated = users.get(session, user_id).active

    assert (deactivated, reactivated) == (False, True)


def test_an_admin_cannot_deactivate_their_own_account(
    admin: TestClient, database: Database
) -> None:
    with database.read() as session:
        me = users.find_by_login_id(session, None, ADMIN_EMAIL)
        assert me is not None
        my_id = me.id

    response = _post(admin, f"/admin/users/{my_id}/deactivate")

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "your own account" in response.text  # type: ignore[attr-defined]


def test_the_tenant_form_saves_the_event_table_and_smtp_settings(
    admin: TestClient, database: Database
) -> None:
    tenant_id = _default_tenant_id(database)

    response = _post(
        admin,
        f"/admin/tenants/{tenant_id}/edit",
        name="Default",
        **{"enabled:user.create": "on", "transactionType:user.create": "SimpleMajority"},
        smtpHost="smtp.example.com",
        smtpPort="587",
        smtpSecurity="TLS",
        smtpUsername="mailer",
        smtpPassword="smtp secret",
        defaultFromEmail="noreply@example.com",
        defaultFromName="Example",
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    with database.read() as session:
        doc = tenants.get(session, tenant_id).doc
    assert doc["eventConfiguration"]["events"]["user.create"] == {
        "enabled": True,
        "transactionType": "SimpleMajority",
    }
    assert doc["emailConfiguration"]["port"] == 587
    assert doc["emailConfiguration"]["password"] == "smtp secret"
    assert "smtp secret" not in admin.get(f"/admin/tenants/{tenant_id}/edit").text


def test_a_bad_smtp_port_is_shown_by_the_port_field(admin: TestClient, database: Database) -> None:
    tenant_id = _default_tenant_id(database)

    response = _post(admin, f"/admin/tenants/{tenant_id}/edit", name="Default", smtpPort="99999")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert re.search(
        r'id="tenant-emailConfiguration-port-error">[^<]*between 1 and 65535',
        response.text,  # type: ignore[attr-defined]
    )


def test_kafka_save_shows_a_bad_property_next_to_the_producer_field(
    admin: TestClient, database: Database
) -> None:
    response = _post(
        admin,
        "/admin/settings/integrations/kafka",
        defaultTopic="events",
        producer="bootstrap.servers=localhost:9092\nmax.block.ms=soon\n",
    )

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert re.search(r'id="producer-error">[^<]*max\.block\.ms', response.text)  # type: ignore[attr-defined]
    with database.read() as session:
        assert kafka_config.load(session).default_topic is None


def test_kafka_page_masks_the_saved_sasl_password(admin: TestClient, database: Database) -> None:
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        "username='user' password='kafka-secret-42';"
    )
    producer = {
        "bootstrap.servers": "broker:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.jaas.config": jaas,
    }
    with database.unit_of_work() as session:
        kafka_config.update(
            session, {"integrations": {"kafka": {"producer": producer}}}, patch=True
        )

    page = admin.get("/admin/settings/integrations/kafka")

    assert "kafka-secret-42" not in page.text
    assert "sasl.jaas.config=" in page.text


def test_kafka_save_records_an_audit_entry_as_the_admin(
    admin: TestClient, database: Database
) -> None:
    response = _post(
        admin,
        "/admin/settings/integrations/kafka",
        enabled="on",
        defaultTopic="events",
        producer="bootstrap.servers=localhost:9092\nmax.block.ms=5000\nrequest.timeout.ms=2000\n",
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    with database.read() as session:
        assert kafka_config.load(session).enabled
        entries, _total = audit.search(session, {"search": {"message": "Kafka"}})
        assert [(e.insert_user, e.reason) for e in entries] == [(ADMIN_EMAIL, UI_REASON)]


def test_the_webhook_password_never_reaches_the_browser_and_survives_an_edit(
    admin: TestClient, database: Database
) -> None:
    webhook_id = _make_webhook(
        database, httpAuthenticationUsername="hook", httpAuthenticationPassword="hook-secret-7"
    )

    page = admin.get(f"/admin/settings/webhooks/{webhook_id}/edit")
    _post(
        admin,
        f"/admin/settings/webhooks/{webhook_id}/edit",
        url="http://receiver.example.com/other",
        connectTimeout="1000",
        readTimeout="2000",
        tenants="all",
        httpAuthenticationUsername="hook",
    )

    assert "hook-secret-7" not in page.text
    with database.read() as session:
        webhook = webhooks.get(session, webhook_id)
        assert webhook.url == "http://receiver.example.com/other"
        assert webhook.doc["httpAuthenticationPassword"] == "hook-secret-7"


def test_webhook_form_errors_are_shown_by_their_fields(admin: TestClient) -> None:
    response = _post(
        admin,
        "/admin/settings/webhooks/add",
        url="ftp://nope",
        connectTimeout="0",
        readTimeout="2000",
        tenants="all",
    )

    assert response.status_code == 400  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert re.search(r'id="webhook-url-error">[^<]*not a valid http', text)
    assert re.search(r'id="webhook-connectTimeout-error">[^<]*greater than zero', text)


def test_user_search_finds_users_by_email(admin: TestClient, database: Database) -> None:
    _make_user(database, "findme@example.com")
    _make_user(database, "other@example.com")

    page = admin.get("/admin/users", params={"q": "findme"})

    assert "findme@example.com" in page.text
    assert "other@example.com" not in page.text


def test_a_registration_is_added_and_removed_in_the_ui(
    admin: TestClient, database: Database
) -> None:
    from idstream.system.bootstrap import ADMIN_APPLICATION_ID

    user_id = _make_user(database)

    _post(
        admin,
        f"/admin/users/{user_id}/registrations",
        applicationId=ADMIN_APPLICATION_ID,
        roles="user_manager",
    )
    with database.read() as session:
        roles = [r.doc["roles"] for r in users.get(session, user_id).registrations]
    _post(admin, f"/admin/users/{user_id}/registrations/{ADMIN_APPLICATION_ID}/delete")
    with database.read() as session:
        remaining = users.get(session, user_id).registrations

    assert roles == [["user_manager"]]
    assert remaining == []


def test_an_event_log_entry_is_found_and_shown(admin: TestClient, database: Database) -> None:
    from idstream.eventlog import service as event_log

    with database.unit_of_work() as session:
        entry_id = event_log.write(session, event_log.ERROR, "SMTP said no").id

    listed = admin.get("/admin/system/event-log", params={"type": "Error", "message": "smtp"})
    shown = admin.get(f"/admin/system/event-log/{entry_id}")

    assert "SMTP said no" in listed.text
    assert "SMTP said no" in shown.text


def test_redeliver_queues_the_event_for_the_webhook_again(
    admin: TestClient, database: Database
) -> None:
    from sqlalchemy import select

    from idstream.events.store import StoredEvent
    from idstream.webhooks.models import PENDING, WebhookDelivery

    webhook_id = _make_webhook(database)
    _make_user(database)
    with database.read() as session:
        event_id = session.scalars(select(StoredEvent.id)).first()

    response = _post(
        admin, f"/admin/system/webhook-event-log/{event_id}/redeliver", webhookId=webhook_id
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    with database.read() as session:
        delivery = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)
        ).one()
        assert (delivery.webhook_id, delivery.status) == (webhook_id, PENDING)


def test_pages_allow_only_their_own_scripts_and_no_framing(admin: TestClient) -> None:
    response = admin.get("/admin/users")

    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text
