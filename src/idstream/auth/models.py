from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class ApiKey(Base):
    """An API key. Only a SHA-256 of the secret is stored: keys are long random strings, so a
    fast hash is enough and a leaked table gives no usable key."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, shown to tell keys apart without revealing them.
    key_hint: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    doc: Mapped[dict[str, Any]]
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)
