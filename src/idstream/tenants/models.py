from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class Tenant(Base):
    """A tenant: indexed columns for lookups, FusionAuth's Tenant object as a JSON document."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(191), unique=True)
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)
