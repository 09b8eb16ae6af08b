"""The e-mail worker: claims due outbox rows, renders and sends them, and records the outcome.
A failed send writes an Error entry to the event log (as FusionAuth's "Async Email Send
exception") and is retried with backoff until it succeeds or runs out of attempts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idstream.db import Database
from idstream.email import service, smtp
from idstream.email.models import OutboxEmail
from idstream.email.rendering import RenderError, render
from idstream.email.smtp import SendResult, SmtpSettings
from idstream.eventlog import service as eventlog
from idstream.tenants.models import Tenant

log = logging.getLogger(__name__)

Sender = Callable[[SmtpSettings, EmailMessage, float], SendResult]


@dataclass(frozen=True)
class Job:
    """A claimed row, ready to send (or already known to be unsendable)."""

    id: str
    attempts: int
    tenant_id: str
    template_id: str
    template_name: str
    to_email: str
    settings: SmtpSettings | None = None
    message: EmailMessage | None = None
    failure: SendResult | None = None


class EmailWorker:
    name = "email"

    def __init__(
        self,
        database: Database,
        *,
        batch_size: int = 20,
        max_attempts: int = 4,
        retry_base_seconds: float = 30.0,
        lease_seconds: float = 120.0,
        timeout_seconds: float = smtp.DEFAULT_TIMEOUT_SECONDS,
        sender: Sender = smtp.send,
    ) -> None:
        self.database = database
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_base_ms = int(retry_base_seconds * 1000)
        # A claimed row is not due again until the lease ends: a second worker (another
        # process) leaves it alone while this one sends it, and a crash only delays it.
        self.lease_ms = int(lease_seconds * 1000)
        self.timeout_seconds = timeout_seconds
        self.sender = sender

    def stop(self) -> None:
        """A claimed e-mail not yet sent is due again when its short lease ends."""

    def run_once(self, now: int) -> int:
        jobs = self._claim(now)
        for job in jobs:
            result = job.failure
            if result is None:
                assert job.settings is not None and job.message is not None
                result = self.sender(job.settings, job.message, self.timeout_seconds)
            self._finish(job, result, now)
        return len(jobs)

    def retry_delay_ms(self, attempts: int) -> int:
        return int(self.retry_base_ms * 4 ** max(attempts - 1, 0))

    def _claim(self, now: int) -> list[Job]:
        with self.database.unit_of_work() as session:
            rows = list(
                session.scalars(
                    select(OutboxEmail)
                    .where(OutboxEmail.status == service.PENDING)
                    .where(OutboxEmail.next_attempt_at <= now)
                    .order_by(OutboxEmail.next_attempt_at, OutboxEmail.insert_instant)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            jobs = []
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + self.lease_ms
                jobs.append(_prepare(session, row))
            return jobs

    def _finish(self, job: Job, result: SendResult, now: int) -> None:
        with self.database.unit_of_work() as session:
            row = session.get(OutboxEmail, job.id)
            if row is None:
                return
            if result.ok:
                row.status = service.SENT
                row.sent_instant = now
                row.last_error = None
                return
            cause = f"{result.error_class} : Message: {result.error}"
            row.last_error = cause
            if result.retryable and row.attempts < self.max_attempts:
                row.next_attempt_at = now + self.retry_delay_ms(row.attempts)
            else:
                row.status = service.FAILED
            eventlog.write(session, eventlog.ERROR, failure_message(job, cause))
            log.warning(
                "e-mail %s to tenant %s's user failed (attempt %d, %s): %s",
                job.id,
                job.tenant_id,
                row.attempts,
                row.status,
                cause,
            )


def failure_message(job: Job, cause: str) -> str:
    """FusionAuth's wording, so that whoever watches event-log.create recognises it."""
    return (
        "Async Email Send exception occurred.\n\n"
        f"Template Id: {job.template_id}\n"
        f"Template Name: {job.template_name}\n"
        f"Tenant Id: {job.tenant_id}\n"
        f"Addressed to: {job.to_email}\n\n"
        f"Cause:\n{cause}"
    )


def _prepare(session: Session, row: OutboxEmail) -> Job:
    template = service.find(session, row.template_id)
    job = Job(
        id=row.id,
        attempts=row.attempts,
        tenant_id=row.tenant_id,
        template_id=row.template_id,
        template_name=template.name if template is not None else "null",
        to_email=row.to_email,
    )
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None:
        return _unsendable(job, "TenantNotFound", f"No tenant with Id [{row.tenant_id}] exists.")
    if template is None:
        return _unsendable(
            job, "TemplateNotFound", f"No email template with Id [{row.template_id}] exists."
        )
    try:
        rendered = render(template.doc, row.context)
        message = _message(tenant.doc, template.doc, row, rendered.subject)
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
    except RenderError as error:
        return _unsendable(job, "TemplateRenderError", str(error))
    except ValueError as error:  # a header the e-mail package refuses (e.g. a line break)
        return _unsendable(job, "InvalidEmailHeader", str(error))
    return replace(job, settings=SmtpSettings.from_tenant_doc(tenant.doc), message=message)


def _message(
    tenant_doc: dict[str, Any], template_doc: dict[str, Any], row: OutboxEmail, subject: str
) -> EmailMessage:
    config = tenant_doc.get("emailConfiguration") or {}
    from_email = template_doc.get("fromEmail") or config.get("defaultFromEmail") or ""
    from_name = template_doc.get("defaultFromName") or config.get("defaultFromName")
    message = EmailMessage()
    message["From"] = formataddr((from_name or "", from_email))
    message["To"] = formataddr((row.to_name or "", row.to_email))
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # Without a domain make_msgid asks DNS for this host's name, which can stall.
    message["Message-ID"] = make_msgid(domain=from_email.rpartition("@")[2] or "idstream")
    return message


def _unsendable(job: Job, error_class: str, error: str) -> Job:
    return replace(job, failure=SendResult(False, False, error_class, error))
