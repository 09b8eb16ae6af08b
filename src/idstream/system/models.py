from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class Setting(Base):
    """Instance-wide documents by name: the system configuration, the integrations, the
    first-start marker. One row each; a change is a row update in the caller's transaction."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc: Mapped[dict[str, Any]]
    last_update_instant: Mapped[int] = mapped_column(BigInteger)
