"""Which webhooks get an event, as FusionAuth decides: a system event goes to every webhook
that enables its type; a tenant event to the webhooks that enable its type and are global
or list its tenant."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream.events import catalogue
from idstream.webhooks.models import Webhook


def type_enabled(webhook: Webhook, event_type_name: str) -> bool:
    return bool((webhook.doc.get("eventsEnabled") or {}).get(event_type_name))


def serves_tenant(webhook: Webhook, tenant_id: str | None) -> bool:
    if webhook.doc.get("global"):
        return True
    return tenant_id is not None and tenant_id in (webhook.doc.get("tenantIds") or [])


def matches(webhook: Webhook, event_type_name: str, tenant_id: str | None) -> bool:
    if not type_enabled(webhook, event_type_name):
        return False
    event_type = catalogue.lookup(event_type_name)
    if event_type is None or not event_type.is_tenant_event:
        return True
    return serves_tenant(webhook, tenant_id)


def all_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.insert_instant, Webhook.id)))


def select_for(
    webhooks: Iterable[Webhook], event_type_name: str, tenant_id: str | None
) -> list[Webhook]:
    return [w for w in webhooks if matches(w, event_type_name, tenant_id)]


def webhooks_for(session: Session, event_type_name: str, tenant_id: str | None) -> list[Webhook]:
    return select_for(all_webhooks(session), event_type_name, tenant_id)


def tenant_has_webhook_for(session: Session, tenant_id: str, event_type_name: str) -> bool:
    """A webhook serving the tenant (global or listing it) enables the type: FusionAuth sends a
    tenant event to Kafka only then."""
    return any(
        type_enabled(w, event_type_name) and serves_tenant(w, tenant_id)
        for w in all_webhooks(session)
    )
