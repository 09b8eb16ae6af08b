"""E-mail templates (FusionAuth's EmailTemplate API) and the outbox: an e-mail is queued in the
caller's transaction and sent by the worker after commit, so a rollback sends nothing."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idstream import clock
from idstream.db import new_id
from idstream.email.models import EmailTemplate, OutboxEmail
from idstream.email.rendering import syntax_error
from idstream.errors import Errors, NotFound, field_error
from idstream.jsondoc import check_type, check_uuid, merge_patch, request_object
from idstream.tenants.models import Tenant

SETUP_PASSWORD_TEMPLATE_ID = "bea16be0-7060-4522-a85e-0e8d6523771c"
SETUP_PASSWORD_TEMPLATE_NAME = "[idstream Default] Setup Password"
# The built-ins exist from the first start: until someone edits one, it is served from the
# files below; an edit stores it as a row like any other template.
BUILTIN_INSERT_INSTANT = 1_767_225_600_000
DEFAULT_BASE_URL = "http://localhost:9011"

PENDING, SENT, FAILED = "pending", "sent", "failed"
TEMPLATE_FIELDS = ("defaultSubject", "defaultHtmlTemplate", "defaultTextTemplate")
TEXT_FIELDS = ("name", "defaultFromName", "fromEmail", *TEMPLATE_FIELDS)
LOCALIZED_FIELDS = (
    "localizedFromNames",
    "localizedHtmlTemplates",
    "localizedSubjects",
    "localizedTextTemplates",
)
# Never handed to a template, whatever the caller's user object carried.
SECRET_USER_FIELDS = ("password", "passwordHash", "salt", "encryptionScheme", "factor")

_FILES = Path(__file__).parent / "templates"


@cache
def _builtin_docs() -> dict[str, dict[str, Any]]:
    def read(name: str) -> str:
        return (_FILES / name).read_text(encoding="utf-8")

    return {
        SETUP_PASSWORD_TEMPLATE_ID: {
            "name": SETUP_PASSWORD_TEMPLATE_NAME,
            "defaultSubject": read("setup_password.subject.txt").strip(),
            "defaultTextTemplate": read("setup_password.txt"),
            "defaultHtmlTemplate": read("setup_password.html"),
        }
    }


def is_builtin(template_id: str) -> bool:
    return template_id in _builtin_docs()


def _builtin(template_id: str) -> EmailTemplate:
    doc = dict(_builtin_docs()[template_id])
    return EmailTemplate(
        id=template_id,
        name=doc.pop("name"),
        doc=doc,
        insert_instant=BUILTIN_INSERT_INSTANT,
        last_update_instant=BUILTIN_INSERT_INSTANT,
    )


def to_json(template: EmailTemplate) -> dict[str, Any]:
    return {
        **template.doc,
        "id": template.id,
        "name": template.name,
        "insertInstant": template.insert_instant,
        "lastUpdateInstant": template.last_update_instant,
    }


def find(session: Session, template_id: str) -> EmailTemplate | None:
    template = session.get(EmailTemplate, template_id)
    if template is None and is_builtin(template_id):
        return _builtin(template_id)
    return template


def get(session: Session, template_id: str) -> EmailTemplate:
    template = find(session, template_id)
    if template is None:
        raise NotFound()
    return template


def list_all(session: Session) -> list[EmailTemplate]:
    stored = {t.id: t for t in session.scalars(select(EmailTemplate))}
    for template_id in _builtin_docs():
        stored.setdefault(template_id, _builtin(template_id))
    return sorted(stored.values(), key=lambda t: t.name.lower())


def create(
    session: Session, payload: dict[str, Any], template_id: str | None = None
) -> EmailTemplate:
    doc = _validated(session, request_object(payload, "emailTemplate"), template_id=None)
    template_id = template_id or doc.pop("id", None) or new_id()
    doc.pop("id", None)
    if find(session, template_id) is not None:
        raise field_error(
            "emailTemplateId", "duplicate", f"An email template with Id [{template_id}] exists."
        )
    now = clock.now_ms()
    template = EmailTemplate(
        id=template_id,
        name=doc.pop("name"),
        doc=doc,
        insert_instant=now,
        last_update_instant=now,
    )
    session.add(template)
    session.flush()
    return template


def update(
    session: Session, template: EmailTemplate, payload: dict[str, Any], *, patch: bool
) -> EmailTemplate:
    incoming = request_object(payload, "emailTemplate")
    doc = merge_patch(to_json(template), incoming) if patch else dict(incoming)
    doc = _validated(session, doc, template_id=template.id)
    template.name = doc.pop("name")
    template.doc = doc
    template.last_update_instant = clock.now_ms()
    if template not in session:
        # A built-in edited for the first time becomes a stored row.
        session.add(template)
    session.flush()
    return template


def delete(session: Session, template: EmailTemplate) -> None:
    if is_builtin(template.id) or _used_by_tenant(session, template.id):
        raise field_error(
            "emailTemplateId",
            "inUse",
            f"The email template with Id [{template.id}] is in use and cannot be deleted.",
        )
    session.delete(template)
    session.flush()


def queue_setup_password_email(session: Session, tenant: Tenant, user_json: dict[str, Any]) -> None:
    """Queue the tenant's set-password e-mail to the user; sent after the caller commits."""
    email = user_json.get("email")
    if not isinstance(email, str) or not email:
        return
    config = tenant.doc.get("emailConfiguration") or {}
    template_id = config.get("setPasswordEmailTemplateId") or SETUP_PASSWORD_TEMPLATE_ID
    change_password_id = secrets.token_urlsafe(32)
    queue(
        session,
        tenant,
        template_id,
        to_email=email,
        to_name=_full_name(user_json),
        context={
            "user": _template_user(user_json),
            "tenant": {"id": tenant.id, "name": tenant.name},
            "changePasswordId": change_password_id,
            "setupPasswordUrl": _setup_password_url(tenant, change_password_id),
        },
    )


def queue(
    session: Session,
    tenant: Tenant,
    template_id: str,
    *,
    to_email: str,
    to_name: str | None,
    context: dict[str, Any],
) -> OutboxEmail:
    now = clock.now_ms()
    row = OutboxEmail(
        id=new_id(),
        tenant_id=tenant.id,
        template_id=template_id,
        to_email=to_email,
        to_name=to_name,
        context=context,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        insert_instant=now,
    )
    session.add(row)
    session.flush()
    return row


def _template_user(user_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user_json.items() if k not in SECRET_USER_FIELDS}


def _full_name(user: dict[str, Any]) -> str | None:
    if isinstance(user.get("fullName"), str) and user["fullName"]:
        return str(user["fullName"])
    parts = [user.get("firstName"), user.get("lastName")]
    name = " ".join(p for p in parts if isinstance(p, str) and p)
    return name or None


def _setup_password_url(tenant: Tenant, change_password_id: str) -> str:
    # idstream has no hosted password pages yet: the link follows FusionAuth's URL layout
    # on the tenant's issuer when that is a URL, so a proxy or a later release can serve it.
    issuer = tenant.doc.get("issuer")
    base = issuer if isinstance(issuer, str) and issuer.startswith("http") else DEFAULT_BASE_URL
    return (
        f"{base.rstrip('/')}/password/change/{quote(change_password_id)}"
        f"?tenantId={quote(tenant.id)}"
    )


def _used_by_tenant(session: Session, template_id: str) -> bool:
    for doc in session.scalars(select(Tenant.doc)):
        config = doc.get("emailConfiguration") or {}
        if any(
            key.endswith("EmailTemplateId") and value == template_id
            for key, value in config.items()
        ):
            return True
    return False


def _validated(
    session: Session, template: dict[str, Any], template_id: str | None
) -> dict[str, Any]:
    errors = Errors()
    doc: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = check_type(errors, template, key, f"emailTemplate.{key}", str)
        if value is not None:
            doc[key] = value
    for key in LOCALIZED_FIELDS:
        value = check_type(errors, template, key, f"emailTemplate.{key}", dict)
        if value:
            doc[key] = value
    template_uuid = check_uuid(errors, template, "id", "emailTemplate.id")
    if template_uuid and template_id is None:
        doc["id"] = template_uuid
    for key in ("name", *TEMPLATE_FIELDS):
        path = f"emailTemplate.{key}"
        if path not in errors.field_errors and not (doc.get(key) or "").strip():
            errors.field(path, "blank", f"You must specify the [{path}] field.")
    for key in TEMPLATE_FIELDS:
        problem = syntax_error(doc.get(key) or "")
        if problem:
            errors.field(
                f"emailTemplate.{key}",
                "invalidTemplate",
                f"The [emailTemplate.{key}] is not a valid template: {problem}",
            )
    name = (doc.get("name") or "").strip()
    if name:
        doc["name"] = name
        if _name_taken(session, name, template_id):
            errors.field(
                "emailTemplate.name",
                "duplicate",
                f"An email template with name [{name}] already exists.",
            )
    errors.raise_if_any()
    return doc


def _name_taken(session: Session, name: str, template_id: str | None) -> bool:
    clash = session.scalar(
        select(EmailTemplate.id).where(func.lower(EmailTemplate.name) == name.lower())
    )
    if clash is not None and clash != template_id:
        return True
    return any(
        doc["name"].lower() == name.lower()
        and builtin_id != template_id
        and session.get(EmailTemplate, builtin_id) is None
        for builtin_id, doc in _builtin_docs().items()
    )
