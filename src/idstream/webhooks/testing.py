"""Test events: a sample event of a chosen type, sent to one webhook now and stored nowhere.
The API's POST /api/webhook/{id}/test and the admin UI's "Test" button both come here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idstream import clock
from idstream.config import Settings
from idstream.db import new_id
from idstream.errors import Errors, field_error
from idstream.events import catalogue
from idstream.events.rendering import render_event
from idstream.jsondoc import check_type
from idstream.webhooks import service
from idstream.webhooks.models import Webhook
from idstream.webhooks.service import UrlCheck
from idstream.webhooks.signing import SigningKeyUnavailable
from idstream.webhooks.transport import SendResult, Target, Transport, private_address_reason


def url_check(settings: Settings) -> UrlCheck | None:
    """The save-time address check IDSTREAM_WEBHOOK_DENY_PRIVATE asks for, if it does."""
    return private_address_reason if settings.webhook_deny_private else None


def shared_transport(app_state: Any) -> Transport:
    """One HTTP client per application for test sends, made on first use."""
    if getattr(app_state, "webhook_transport", None) is None:
        app_state.webhook_transport = Transport(
            deny_private=app_state.settings.webhook_deny_private
        )
    transport: Transport = app_state.webhook_transport
    return transport


def prepare(session: Session, webhook: Webhook, body: dict[str, Any]) -> tuple[dict, Target]:
    """The sample event and where to send it; a 400 names what is wrong with either."""
    event = sample_event(body, webhook.doc.get("tenantIds") or [])
    try:
        target = service.target(session, webhook)
    except SigningKeyUnavailable as error:
        raise field_error(
            "webhook.signatureConfiguration.signingKeyId", "invalid", f"{error}."
        ) from None
    return event, target


def send(app_state: Any, target: Target, event: dict[str, Any]) -> SendResult:
    return shared_transport(app_state).send(target, render_event(event))


def sample_event(body: dict[str, Any], tenant_ids: list[str]) -> dict[str, Any]:
    """The caller's event object with the fields every event has filled in, and a sample
    user or registration when the type is about one and none was given."""
    errors = Errors()
    given = check_type(errors, body, "event", "event", dict)
    if given is None and "event" not in errors.field_errors:
        errors.field("event", "missing", "The request is missing the [event] object.")
    errors.raise_if_any()
    assert given is not None
    name = check_type(errors, given, "type", "event.type", str)
    event_type = catalogue.lookup(name) if name else None
    if not name and "event.type" not in errors.field_errors:
        errors.field("event.type", "blank", "You must specify the [event.type] field.")
    elif name and event_type is None:
        errors.field("event.type", "invalid", f"[{name}] is not an event type.")
    errors.raise_if_any()
    assert event_type is not None
    event: dict[str, Any] = {
        "createInstant": clock.now_ms(),
        "id": new_id(),
        **given,
        "type": event_type.name,
    }
    if event_type.is_tenant_event and "tenantId" not in given and tenant_ids:
        event["tenantId"] = tenant_ids[0]
    if event_type.name.startswith("user.") and "user" not in given:
        event["user"] = {
            "active": True,
            "email": "example@fusionauth.io",
            "id": new_id(),
            "insertInstant": event["createInstant"],
            "username": "example",
            "verified": True,
        }
    if ".registration." in event_type.name and "registration" not in given:
        event["registration"] = {"applicationId": new_id(), "id": new_id(), "roles": []}
    return event
