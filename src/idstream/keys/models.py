from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class Key(Base):
    """A signing key. The HMAC secret stays in this table: no response ever carries it."""

    __tablename__ = "keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(191), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    kid: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(255))
    insert_instant: Mapped[int] = mapped_column(BigInteger)
    last_update_instant: Mapped[int] = mapped_column(BigInteger)
