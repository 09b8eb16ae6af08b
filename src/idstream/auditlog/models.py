from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AUDIT_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuditLog(Base):
    """An audit log entry; its id is a sequence number, as in FusionAuth."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(AUDIT_ID, primary_key=True, autoincrement=True)
    insert_instant: Mapped[int] = mapped_column(BigInteger, index=True)
    insert_user: Mapped[str] = mapped_column(String(191), index=True)
    message: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    old_value: Mapped[Any | None] = mapped_column(JSON)
    new_value: Mapped[Any | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
