"""kafka tables

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kafka_relay",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.BigInteger(), nullable=False),
        sa.Column("replay_after", sa.BigInteger(), nullable=True),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("last_delivered_event_id", sa.String(length=36), nullable=True),
        sa.Column("last_delivered_sequence", sa.BigInteger(), nullable=True),
        sa.Column("last_delivered_instant", sa.BigInteger(), nullable=True),
        sa.Column("delivered_total", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("last_error_instant", sa.BigInteger(), nullable=True),
        sa.Column("outage_since", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("kafka_relay")
