"""Audit log messages for changes the admin UI makes through services that do not audit
them themselves (webhooks, tenants, integrations), worded like FusionAuth's."""

from __future__ import annotations


def webhook_created(webhook_id: str, url: str) -> str:
    return f"Created the webhook with Id [{webhook_id}] and URL [{url}]"


def webhook_updated(webhook_id: str, url: str) -> str:
    return f"Updated the webhook with Id [{webhook_id}] and URL [{url}]"


def webhook_deleted(webhook_id: str, url: str) -> str:
    return f"Deleted the webhook with Id [{webhook_id}] and URL [{url}]"


def kafka_updated() -> str:
    return "Updated the Kafka integration"


def webhook_redelivered(event_id: str, webhook_ids: list[str]) -> str:
    return f"Redelivered the webhook event with Id [{event_id}] to webhook(s) {webhook_ids}"
