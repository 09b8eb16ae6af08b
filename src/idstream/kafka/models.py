from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idstream.db import Base


class KafkaRelayState(Base):
    """One row: who runs the relay (a lease, so one instance per database produces), the
    replay in progress, and what the status page shows. The position itself is the event
    cursor named "kafka"."""

    __tablename__ = "kafka_relay"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[int] = mapped_column(BigInteger, default=0)
    # Replay: resend from after this sequence up to the cursor, then clear.
    replay_after: Mapped[int | None] = mapped_column(BigInteger)
    connected: Mapped[bool] = mapped_column(default=False)
    last_delivered_event_id: Mapped[str | None] = mapped_column(String(36))
    last_delivered_sequence: Mapped[int | None] = mapped_column(BigInteger)
    last_delivered_instant: Mapped[int | None] = mapped_column(BigInteger)
    delivered_total: Mapped[int] = mapped_column(BigInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    last_error_instant: Mapped[int | None] = mapped_column(BigInteger)
    # Set when an outage was written to the event log; cleared by the next delivery, so one
    # outage gives one entry however many events or retries fail during it.
    outage_since: Mapped[int | None] = mapped_column(BigInteger)
