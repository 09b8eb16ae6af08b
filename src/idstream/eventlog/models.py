from __future__ import annotations

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class EventLog(Base):
    """FusionAuth's event log: errors and notices from background work (e-mail, webhooks)."""

    __tablename__ = "event_logs"

    # FusionAuth's event log ids are a sequence; taken from a counter so both backends agree.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    insert_instant: Mapped[int] = mapped_column(BigInteger, index=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
