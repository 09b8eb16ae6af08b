"""Pure rules of webhook delivery: backoff, answer classes, Retry-After, transaction
thresholds, routing, SSRF checks, URLs in logs."""

from __future__ import annotations

import email.utils
import random

import pytest

from idstream.config import Settings
from idstream.webhooks.deliveries import backoff_ms
from idstream.webhooks.dispatcher import _receiver_in_trouble
from idstream.webhooks.models import Webhook
from idstream.webhooks.routing import matches
from idstream.webhooks.transactional import enough
from idstream.webhooks.transport import (
    SendResult,
    _is_private,
    classify,
    display_url,
    parse_retry_after,
    private_address_reason,
)

TENANT = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"


def settings(**values: float) -> Settings:
    return Settings(database_url="sqlite://", **values)  # type: ignore[arg-type]


def test_first_retry_comes_within_a_second() -> None:
    rng = random.Random(1)
    assert all(0 < backoff_ms(1, settings(), rng) <= 1000 for _ in range(200))


def test_backoff_doubles_and_is_capped() -> None:
    rng = random.Random(2)
    config = settings(webhook_retry_initial_seconds=1, webhook_retry_max_seconds=10)
    assert 2000 <= backoff_ms(3, config, rng) <= 4000
    assert all(5000 <= backoff_ms(30, config, rng) <= 10_000 for _ in range(50))


def test_backoff_has_jitter() -> None:
    rng = random.Random(3)
    assert len({backoff_ms(4, settings(), rng) for _ in range(20)}) > 10


@pytest.mark.parametrize(
    ("status", "ok", "retryable"),
    [
        (200, True, False),
        (204, True, False),
        (301, False, False),
        (400, False, False),
        (404, False, False),
        (408, False, True),
        (429, False, True),
        (500, False, True),
        (503, False, True),
    ],
)
def test_answers_are_classified_as_fusionauth_receivers_expect(
    status: int, ok: bool, retryable: bool
) -> None:
    assert classify(status) == (ok, retryable)


def test_retry_after_takes_seconds_or_a_date() -> None:
    assert parse_retry_after("120", 0) == 120
    when = email.utils.formatdate(1_000_060, usegmt=True)
    assert parse_retry_after(when, 1_000_000) == pytest.approx(60)
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after(None, 0) is None


def test_a_lone_5xx_does_not_stop_a_batch_but_a_dead_receiver_does() -> None:
    server_error = SendResult(False, 500, True, "HTTP 500", 1)
    refused = SendResult(False, None, True, "ConnectError", 1)
    throttled = SendResult(False, 429, True, "HTTP 429", 1)
    assert not _receiver_in_trouble(server_error, 1)
    assert _receiver_in_trouble(server_error, 3)
    assert _receiver_in_trouble(refused, 1)
    assert _receiver_in_trouble(throttled, 1)


@pytest.mark.parametrize(
    ("kind", "successes", "total", "commits"),
    [
        ("Any", 1, 5, True),
        ("Any", 0, 5, False),
        ("SimpleMajority", 3, 5, True),
        ("SimpleMajority", 2, 4, False),
        ("SuperMajority", 2, 3, True),
        ("SuperMajority", 3, 5, False),
        ("AbsoluteMajority", 5, 5, True),
        ("AbsoluteMajority", 4, 5, False),
        ("AbsoluteMajority", 0, 0, True),
        ("None", 0, 3, True),
    ],
)
def test_transaction_thresholds(kind: str, successes: int, total: int, commits: bool) -> None:
    assert enough(kind, successes, total) is commits


def webhook(*events: str, tenants: list[str] | None = None) -> Webhook:
    return Webhook(
        id="w",
        url="http://x/",
        doc={
            "eventsEnabled": {e: True for e in events} | {"user.update": False},
            "global": tenants is None,
            "tenantIds": tenants or [],
        },
        insert_instant=0,
        last_update_instant=0,
    )


def test_routing_of_tenant_events() -> None:
    assert matches(webhook("user.create"), "user.create", TENANT)
    assert matches(webhook("user.create", tenants=[TENANT]), "user.create", TENANT)
    assert not matches(webhook("user.create", tenants=[OTHER]), "user.create", TENANT)
    assert not matches(webhook("user.create"), "user.delete", TENANT)
    assert not matches(webhook("user.update"), "user.update", TENANT)


def test_routing_of_system_events_ignores_tenants() -> None:
    assert matches(webhook("audit-log.create", tenants=[OTHER]), "audit-log.create", None)
    assert not matches(webhook("user.create"), "audit-log.create", None)


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.0.0.8", True),
        ("192.168.1.1", True),
        ("172.16.0.1", True),
        ("169.254.169.254", True),
        ("::1", True),
        ("fe80::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", True),
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
    ],
)
def test_private_addresses(address: str, private: bool) -> None:
    assert _is_private(address) is private


def test_literal_private_hosts_are_refused_without_dns() -> None:
    assert private_address_reason("http://127.0.0.1:8080/x") is not None
    assert private_address_reason("http://[::1]/") is not None
    assert private_address_reason("http://93.184.216.34/") is None


def test_urls_in_logs_carry_no_credentials() -> None:
    assert display_url("https://user:pw@example.com:8443/p?q=1") == "https://example.com:8443/p?q=1"
    assert display_url("https://example.com/p") == "https://example.com/p"
