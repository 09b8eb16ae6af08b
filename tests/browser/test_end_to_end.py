"""The brief, as a person does it in a browser: sign in, Settings → Integrations → Kafka, Send
test event, Save, create a user and watch its events reach the topic and the Event stream
page, add a webhook and see its delivery in the Webhook event log. Chromium against a running
server (workers on) and the real Kafka broker."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, RunningServer, screenshots
from tests.conftest import free_port
from tests.kafka_fixtures import Broker
from tests.receivers import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.kafka]

UI_REASON = "idstream User Interface"


def producer_lines(bootstrap: str) -> str:
    """The brief's local configuration, pointed at the test broker."""
    return f"bootstrap.servers={bootstrap}\nmax.block.ms=5000\nrequest.timeout.ms=2000\n"


def read_topic_until(
    broker: Broker, topic: str, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30
) -> list[dict[str, Any]]:
    """Every record of `topic` from the start, read until `done(records)` or the timeout."""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            **broker.admin_config(),
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while not done(records) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                records.append(json.loads(message.value()))
    finally:
        consumer.close()
    return records


def reload_until(page: Any, check: Callable[[], None], timeout: float = 20) -> None:
    """Reload the page until `check` passes: for pages showing what background workers did."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def fill_kafka_form(page: Any, server: RunningServer, bootstrap: str, topic: str) -> None:
    page.goto(server.admin_url("/settings/integrations/kafka"))
    page.get_by_label("Topic", exact=True).fill(topic)
    page.get_by_label("Producer configuration").fill(producer_lines(bootstrap))


def send_test_event(page: Any) -> Any:
    page.get_by_role("button", name="Send test event").click()
    outcome = page.locator("#kafka-test-outcome")
    expect(outcome).to_be_visible(timeout=20_000)
    return outcome


def enable_tenant_event(page: Any, server: RunningServer, event_type: str) -> None:
    page.goto(server.admin_url("/tenants"))
    page.get_by_role("link", name="Default", exact=True).click()
    page.get_by_label(event_type, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Tenant saved.")


def create_user(page: Any, server: RunningServer, email: str) -> None:
    page.goto(server.admin_url("/users"))
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("First name").fill("New")
    page.get_by_label("Password", exact=True).fill("a good password")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_have_text("User created.")


def test_send_test_event_puts_the_test_message_on_the_topic(
    admin_page: Any, server: RunningServer, kafka_broker: Broker, topic: str
) -> None:
    fill_kafka_form(admin_page, server, kafka_broker.plaintext, topic)

    outcome = send_test_event(admin_page)

    expect(outcome).to_have_attribute("data-status", "200")
    expect(outcome.get_by_text("Success: the test event was delivered")).to_be_visible()
    records = read_topic_until(kafka_broker, topic, lambda found: len(found) >= 1)
    assert records[0]["type"] == "test"
    assert records[0]["message"].startswith("You've successfully configured the Kafka")
    screenshots(admin_page, "kafka-test-success")


def test_wrong_bootstrap_address_shows_the_failing_step(
    admin_page: Any, server: RunningServer, topic: str
) -> None:
    fill_kafka_form(admin_page, server, f"127.0.0.1:{free_port()}", topic)

    outcome = send_test_event(admin_page)

    expect(outcome).to_have_attribute("data-status", "400")
    failed = outcome.locator("li[data-step-status=failed]")
    expect(failed).to_have_attribute("data-step", "bootstrap")
    expect(failed).to_contain_text("Bootstrap servers reachable")
    expect(outcome.locator("li[data-step=produce]")).to_have_attribute(
        "data-step-status", "skipped"
    )
    screenshots(admin_page, "kafka-test-failure")


def test_saving_without_a_topic_shows_the_error_next_to_the_topic(
    admin_page: Any, server: RunningServer, kafka_broker: Broker
) -> None:
    fill_kafka_form(admin_page, server, kafka_broker.plaintext, "")
    admin_page.get_by_label("Enabled").check()

    admin_page.get_by_role("button", name="Save").click()

    expect(admin_page.locator("#defaultTopic-error")).to_contain_text("defaultTopic")
    expect(admin_page.get_by_label("Topic", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshots(admin_page, "kafka-save-error")


def test_a_user_created_in_the_ui_reaches_the_topic_and_the_event_stream(
    admin_page: Any, server: RunningServer, kafka_broker: Broker, topic: str
) -> None:
    enable_tenant_event(admin_page, server, "user.create")
    fill_kafka_form(admin_page, server, kafka_broker.plaintext, topic)
    admin_page.get_by_label("Enabled").check()
    admin_page.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_role("status")).to_have_text("Saved.")
    screenshots(admin_page, "kafka")
    stream = admin_page.context.new_page()
    stream.goto(server.admin_url("/system/event-stream"))
    expect(stream.locator("#stream-state")).to_have_text("Live")
    status = admin_page.context.new_page()
    status.goto(server.admin_url("/settings/integrations/kafka"))
    delivered_before = status.locator("#status-delivered").inner_text()
    email = f"newuser-{uuid.uuid4().hex[:8]}@example.com"

    create_user(admin_page, server, email)

    def is_audit(event: dict[str, Any]) -> bool:
        message = event.get("auditLog", {}).get("message", "")
        return event["type"] == "audit-log.create" and f"loginId [{email}]" in message

    def is_create(event: dict[str, Any]) -> bool:
        return event["type"] == "user.create" and event["user"]["email"] == email

    def both(records: list[dict[str, Any]]) -> bool:
        events = [r["event"] for r in records if "event" in r]
        return any(map(is_audit, events)) and any(map(is_create, events))

    records = [r["event"] for r in read_topic_until(kafka_broker, topic, both) if "event" in r]
    seen = [e["type"] for e in records]
    audits = [i for i, e in enumerate(records) if is_audit(e)]
    creates = [i for i, e in enumerate(records) if is_create(e)]
    assert len(audits) == 1 and len(creates) == 1, seen
    audit, user_create = audits[0], creates[0]
    assert audit < user_create, f"the brief's order is audit-log.create, then user.create: {seen}"
    assert records[audit]["auditLog"]["insertUser"] == ADMIN_EMAIL
    assert records[audit]["auditLog"]["reason"] == UI_REASON
    assert "tenantId" not in records[audit]
    assert records[user_create]["tenantId"]
    live = stream.locator("li[data-type='user.create']", has_text=email)
    expect(live).to_be_visible()
    screenshots(stream, "event-stream")
    stream.close()
    # The status panel refreshes by itself: the count moves without a reload.
    expect(status.locator("#status-delivered")).not_to_have_text(delivered_before)
    expect(status.locator("#status-connected")).to_have_text("Connected")
    status.close()


def test_a_webhook_added_in_the_ui_shows_its_delivery_in_the_webhook_event_log(
    admin_page: Any, server: RunningServer
) -> None:
    with Receiver() as receiver:
        enable_tenant_event(admin_page, server, "user.create")
        admin_page.goto(server.admin_url("/settings/webhooks/add"))
        admin_page.get_by_label("URL").fill(receiver.url)
        admin_page.get_by_label("Description").fill("Test receiver")
        admin_page.get_by_label("user.create", exact=True).check()
        admin_page.get_by_text("Headers and certificate").click()
        admin_page.get_by_label("HTTP headers").fill("X-Test: yes")
        admin_page.get_by_role("button", name="Save").click()
        expect(admin_page.get_by_role("status")).to_have_text("Webhook added.")
        screenshots(admin_page, "webhooks")
        email = f"hooked-{uuid.uuid4().hex[:8]}@example.com"

        create_user(admin_page, server, email)

        assert receiver.wait_for(1, timeout=20)
        delivered = receiver.succeeded[0]
        assert delivered.event["user"]["email"] == email
        assert delivered.headers["x-test"] == "yes"
        admin_page.goto(server.admin_url("/system/webhook-event-log?type=user.create"))
        row = admin_page.locator("tr[data-event-id]").first
        # The receiver has answered; the dispatcher writes the outcome a moment later.
        reload_until(admin_page, lambda: expect(row).to_contain_text("Succeeded", timeout=500))
        row.get_by_role("link").click()
        expect(admin_page.locator("#deliveries")).to_contain_text(receiver.url)
        expect(admin_page.locator("#attempts")).to_contain_text("Success")
        expect(admin_page.locator("#attempts")).to_contain_text("200")
        screenshots(admin_page, "webhook-event")

        admin_page.get_by_role("button", name=f"Redeliver to {receiver.url}").click()

        expect(admin_page.get_by_role("status")).to_have_text("Queued again for 1 webhook.")
        assert receiver.wait_for(2, timeout=20)
        assert receiver.succeeded[1].event["id"] == delivered.event["id"]


def test_webhook_test_button_shows_the_receivers_answer(
    admin_page: Any, server: RunningServer
) -> None:
    with Receiver() as receiver:
        admin_page.goto(server.admin_url("/settings/webhooks/add"))
        admin_page.get_by_label("URL").fill(receiver.url)
        admin_page.get_by_label("audit-log.create", exact=True).check()
        admin_page.get_by_role("button", name="Save").click()
        admin_page.get_by_role("link", name=receiver.url).first.click()
        screenshots(admin_page, "webhook-edit")

        admin_page.get_by_role("button", name="Test", exact=True).click()

        expect(admin_page.locator("#test-result")).to_contain_text("answered 200")
        assert any(r.event["type"] == "user.create" for r in receiver.requests)


def test_every_page_reads_well_at_desktop_and_phone_widths(
    admin_page: Any, server: RunningServer
) -> None:
    from idstream.eventlog import service as event_log

    with server.db.unit_of_work() as session:
        entry = event_log.write(session, event_log.ERROR, "Async Email Send exception occurred.")
        entry_id = entry.id
    create_user(admin_page, server, f"pages-{uuid.uuid4().hex[:8]}@example.com")
    screenshots(admin_page, "user")
    user_url = admin_page.url.split("?")[0]
    pages = {
        "users": "/users",
        "user-add": "/users/add",
        "user-edit": user_url.split("/admin")[1] + "/edit",
        "tenants": "/tenants",
        "webhook-add": "/settings/webhooks/add",
        "audit-log": "/system/audit-log",
        "event-log": "/system/event-log",
        "event-log-entry": f"/system/event-log/{entry_id}",
        "webhook-event-log": "/system/webhook-event-log",
        "not-found": "/no/such/page",
    }
    for name, path in pages.items():
        admin_page.goto(server.admin_url(path))
        screenshots(admin_page, name)
    admin_page.goto(server.admin_url("/tenants"))
    admin_page.get_by_role("link", name="Default", exact=True).click()
    screenshots(admin_page, "tenant-edit")
    admin_page.goto(server.admin_url("/system/audit-log"))
    admin_page.locator("td.num a").first.click()
    screenshots(admin_page, "audit-log-entry")
    expect(admin_page.get_by_text("idstream User Interface")).to_be_visible()


def test_the_phone_menu_opens_from_its_button(admin_page: Any, server: RunningServer) -> None:
    admin_page.set_viewport_size({"width": 390, "height": 844})
    admin_page.goto(server.admin_url("/users"))
    expect(admin_page.get_by_role("link", name="Webhook event log")).to_be_hidden()

    admin_page.get_by_role("button", name="Menu").click()

    expect(admin_page.get_by_role("link", name="Webhook event log")).to_be_visible()
    screenshots(admin_page, "menu-open")
