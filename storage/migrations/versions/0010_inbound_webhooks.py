"""Tracker webhooks already applied, so a redelivered or replayed one changes nothing

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(128), nullable=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tracker", "delivery_id", name="uq_inbound_webhooks_delivery"),
        sa.UniqueConstraint("tracker", "body_sha256", name="uq_inbound_webhooks_body"),
    )
    op.create_index("ix_inbound_webhooks_received", "inbound_webhooks", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_webhooks_received", table_name="inbound_webhooks")
    op.drop_table("inbound_webhooks")
