from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class EmailTemplate(Base):
    """FusionAuth's EmailTemplate: the name in a column, the rest as its JSON document."""

    __tablename__ = "email_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(191), unique=True)
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)


class OutboxEmail(Base):
    """An e-mail to send after its transaction commits. The worker renders and sends it; the
    retry state lives here so that a restart resumes it."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    template_id: Mapped[str] = mapped_column(String(36))
    to_email: Mapped[str] = mapped_column(String(320))
    to_name: Mapped[str | None] = mapped_column(String(382))
    # What the template sees (the user's fields and links); never a password or hash.
    context: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    sent_instant: Mapped[int | None] = mapped_column(BigInteger)
