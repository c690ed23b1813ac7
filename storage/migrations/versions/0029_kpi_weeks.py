"""The KPI trend's weekly rollup (kpi_weeks) and the mark purge and retention move on

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_weeks",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.BigInteger(), nullable=False),
        sa.Column("completed", sa.BigInteger(), nullable=False),
        sa.Column("ended", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("task_events", sa.BigInteger(), nullable=False),
        sa.Column("median_ms", sa.Float(), nullable=True),
        sa.Column("tallied_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("product", "task", "starts_at", "ends_at", name="uq_kpi_weeks_week"),
    )


def downgrade() -> None:
    op.drop_table("kpi_weeks")
