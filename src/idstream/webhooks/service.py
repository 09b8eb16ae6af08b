"""Webhooks: create, read, update, delete, search; FusionAuth's Webhook object and its
validation. No network here: the API passes in the check of private addresses."""

from __future__ import annotations

import copy
import ssl
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from idstream import clock
from idstream.db import get_or_not_found, new_id
from idstream.errors import Errors, field_error
from idstream.events import catalogue, cursors
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.tenants.models import Tenant
from idstream.webhooks import routing, signing
from idstream.webhooks.models import (
    FAILED,
    FANOUT_CURSOR,
    PENDING,
    SENDING,
    Webhook,
    WebhookDelivery,
)
from idstream.webhooks.transport import Target

PASSWORD = "httpAuthenticationPassword"
UrlCheck = Callable[[str], str | None]
ORDERABLE = {"description", "id", "insertInstant", "url"}


def cursor(session: Session) -> int:
    """The last event sequence the webhook fan-out has turned into deliveries."""
    return cursors.get(session, FANOUT_CURSOR)


def to_json(webhook: Webhook) -> dict[str, Any]:
    doc = copy.deepcopy(webhook.doc)
    doc.pop(PASSWORD, None)
    doc.update(
        id=webhook.id,
        url=webhook.url,
        insertInstant=webhook.insert_instant,
        lastUpdateInstant=webhook.last_update_instant,
    )
    return doc


def get(session: Session, webhook_id: str) -> Webhook:
    return get_or_not_found(session, Webhook, webhook_id)


def create(
    session: Session,
    payload: dict[str, Any],
    webhook_id: str | None = None,
    url_check: UrlCheck | None = None,
) -> Webhook:
    doc = _validated(session, _webhook_object(payload), url_check)
    webhook_id = webhook_id or doc.pop("id", None) or new_id()
    if session.get(Webhook, webhook_id) is not None:
        raise field_error("webhookId", "duplicate", f"A webhook with Id [{webhook_id}] exists.")
    now = clock.now_ms()
    webhook = Webhook(
        id=webhook_id,
        url=doc["url"],
        doc=_stored(doc),
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(webhook)
    session.flush()
    return webhook


def update(
    session: Session,
    webhook: Webhook,
    payload: dict[str, Any],
    *,
    patch: bool,
    url_check: UrlCheck | None = None,
) -> Webhook:
    incoming = _webhook_object(payload)
    doc = merge_patch({**webhook.doc, "url": webhook.url}, incoming) if patch else incoming
    # The password is never returned, so an update that leaves it out keeps it; PATCH with
    # null removes it.
    if PASSWORD not in incoming and webhook.doc.get(PASSWORD) is not None:
        doc[PASSWORD] = webhook.doc[PASSWORD]
    doc = _validated(session, copy.deepcopy(doc), url_check)
    webhook.url = doc["url"]
    webhook.doc = _stored(doc)
    webhook.last_update_instant = clock.now_ms()
    session.flush()
    return webhook


def delete(session: Session, webhook: Webhook) -> None:
    """Deliveries still owed to the webhook end as failed: there is no one left to send to."""
    session.execute(
        sql_update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status.in_((PENDING, SENDING)),
        )
        .values(status=FAILED, last_error="The webhook was deleted.")
    )
    session.delete(webhook)
    session.flush()


def search(session: Session, criteria: dict[str, Any]) -> tuple[list[Webhook], int]:
    errors = Errors()
    description = check_type(errors, criteria, "description", "search.description", str)
    url = check_type(errors, criteria, "url", "search.url", str)
    tenant_id = check_uuid(errors, criteria, "tenantId", "search.tenantId")
    start = check_type(errors, criteria, "startRow", "search.startRow", int) or 0
    count = check_type(errors, criteria, "numberOfResults", "search.numberOfResults", int)
    order = check_type(errors, criteria, "orderBy", "search.orderBy", str) or "description ASC"
    field, _, direction = order.strip().partition(" ")
    if field not in ORDERABLE or direction.strip().upper() not in ("", "ASC", "DESC"):
        errors.field("search.orderBy", "invalid", f"[{order}] is not a supported order.")
    if start < 0 or (count is not None and count < 0):
        errors.field("search.startRow", "invalid", "Paging values must not be negative.")
    errors.raise_if_any()
    found = [
        w
        for w in routing.all_webhooks(session)
        if _like(description, w.doc.get("description"))
        and _like(url, w.url)
        and (tenant_id is None or routing.serves_tenant(w, tenant_id))
    ]

    def sort_key(webhook: Webhook) -> tuple[int, str]:
        if field == "insertInstant":
            return webhook.insert_instant, webhook.id
        return 0, str(to_json(webhook).get(field) or "").lower()

    found.sort(key=sort_key, reverse=direction.strip().upper() == "DESC")
    limit = 25 if count is None else count
    return found[start : start + limit], len(found)


def target(session: Session, webhook: Webhook) -> Target:
    """The call parameters of a webhook, with its signing key read now (raises
    signing.SigningKeyUnavailable when the key has gone)."""
    doc = webhook.doc
    signer = None
    signature = doc.get("signatureConfiguration") or {}
    if signature.get("enabled") and signature.get("signingKeyId"):
        signer = signing.signer_for(session, signature["signingKeyId"])
    return Target(
        webhook_id=webhook.id,
        url=webhook.url,
        connect_timeout_ms=int(doc.get("connectTimeout") or 1000),
        read_timeout_ms=int(doc.get("readTimeout") or 2000),
        headers={str(k): str(v) for k, v in (doc.get("headers") or {}).items()},
        username=doc.get("httpAuthenticationUsername"),
        password=doc.get(PASSWORD),
        ssl_certificate=doc.get("sslCertificate") or None,
        signer=signer,
    )


def _like(pattern: str | None, value: str | None) -> bool:
    """FusionAuth's match: case-insensitive, `*` a wildcard, a bare word matches anywhere."""
    if not pattern:
        return True
    parts = pattern.lower().split("*")
    text = (value or "").lower()
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _webhook_object(payload: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(request_object(payload, "webhook"))


def _stored(doc: dict[str, Any]) -> dict[str, Any]:
    stored = copy.deepcopy(doc)
    for key in ("id", "url", "insertInstant", "lastUpdateInstant"):
        stored.pop(key, None)
    return stored


def _validated(session: Session, doc: dict[str, Any], url_check: UrlCheck | None) -> dict[str, Any]:
    errors = Errors()
    _validate_url(errors, doc, url_check)
    for key in ("connectTimeout", "readTimeout"):
        path = f"webhook.{key}"
        value = check_type(errors, doc, key, path, int)
        if doc.get(key) is None:
            errors.field(path, "blank", f"You must specify the [{path}] field.")
        elif value is not None and value <= 0:
            errors.field(path, "invalid", f"The [{path}] field must be greater than zero.")
    for key in ("description", "httpAuthenticationUsername", PASSWORD, "sslCertificate"):
        check_type(errors, doc, key, f"webhook.{key}", str)
    check_type(errors, doc, "data", "webhook.data", dict)
    doc["global"] = bool(check_type(errors, doc, "global", "webhook.global", bool))
    check_uuid(errors, doc, "id", "webhook.id")
    _validate_events(errors, doc)
    _validate_tenants(errors, session, doc)
    _validate_headers(errors, doc)
    _validate_signature(errors, session, doc)
    certificate = doc.get("sslCertificate")
    if isinstance(certificate, str) and certificate.strip():
        try:
            ssl.create_default_context().load_verify_locations(cadata=certificate)
        except (ssl.SSLError, ValueError):
            errors.field(
                "webhook.sslCertificate",
                "invalid",
                "The [webhook.sslCertificate] field must be a PEM encoded X.509 certificate.",
            )
    errors.raise_if_any()
    return doc


def _validate_url(errors: Errors, doc: dict[str, Any], url_check: UrlCheck | None) -> None:
    url = check_type(errors, doc, "url", "webhook.url", str)
    if "webhook.url" in errors.field_errors:
        return
    if not url or not url.strip():
        errors.field("webhook.url", "blank", "You must specify the [webhook.url] field.")
        return
    url = url.strip()
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        valid = False
    if not valid:
        errors.field("webhook.url", "invalid", f"[{url}] is not a valid http:// or https:// URL.")
        return
    doc["url"] = url
    if url_check is not None:
        reason = url_check(url)
        if reason is not None:
            errors.field("webhook.url", "invalid", f"This webhook URL is not allowed: {reason}.")


def _validate_events(errors: Errors, doc: dict[str, Any]) -> None:
    events = check_type(errors, doc, "eventsEnabled", "webhook.eventsEnabled", dict)
    if events is None:
        doc["eventsEnabled"] = {}
        return
    for name, enabled in events.items():
        path = f"webhook.eventsEnabled[{name}]"
        if catalogue.lookup(name) is None:
            errors.field(path, "invalid", f"[{name}] is not an event type.")
        elif not isinstance(enabled, bool):
            errors.field(path, "invalid", f"The [{path}] field must be a boolean.")


def _validate_tenants(errors: Errors, session: Session, doc: dict[str, Any]) -> None:
    tenant_ids = check_type(errors, doc, "tenantIds", "webhook.tenantIds", list)
    if tenant_ids is None:
        doc["tenantIds"] = []
        return
    normalised = []
    for value in tenant_ids:
        try:
            tenant_id = str(uuid.UUID(value)) if isinstance(value, str) else None
        except ValueError:
            tenant_id = None
        if tenant_id is None or session.get(Tenant, tenant_id) is None:
            errors.field("webhook.tenantIds", "invalid", f"The tenant [{value}] does not exist.")
        elif tenant_id not in normalised:
            normalised.append(tenant_id)
    doc["tenantIds"] = normalised


def _validate_headers(errors: Errors, doc: dict[str, Any]) -> None:
    headers = check_type(errors, doc, "headers", "webhook.headers", dict) or {}
    for name, value in headers.items():
        path = f"webhook.headers[{name}]"
        if not name or any(c in name for c in " :\r\n\t") or not isinstance(value, str):
            errors.field(path, "invalid", f"[{path}] must be a header name with a string value.")
        elif "\r" in value or "\n" in value:
            errors.field(path, "invalid", f"The [{path}] value must be on one line.")


def _validate_signature(errors: Errors, session: Session, doc: dict[str, Any]) -> None:
    path = "webhook.signatureConfiguration"
    config = check_type(errors, doc, "signatureConfiguration", path, dict)
    if config is None:
        doc["signatureConfiguration"] = {"enabled": False}
        return
    enabled = bool(check_type(errors, config, "enabled", f"{path}.enabled", bool))
    config["enabled"] = enabled
    key_id = check_uuid(errors, config, "signingKeyId", f"{path}.signingKeyId")
    if key_id is not None:
        config["signingKeyId"] = key_id
    if not enabled or f"{path}.signingKeyId" in errors.field_errors:
        return
    if key_id is None:
        errors.field(
            f"{path}.signingKeyId", "blank", f"You must specify the [{path}.signingKeyId] field."
        )
    elif not signing.key_exists(session, key_id):
        errors.field(f"{path}.signingKeyId", "invalid", f"The key [{key_id}] does not exist.")
