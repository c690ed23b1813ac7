"""Per-product KPI settings (key task, proficiency, target population), targets and baselines; when each person
first used each product (a rollup) and how far it has read; the indexes the KPI queries read

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None
COVERED = ["person", "task", "outcome", "duration_ms", "error", "anonymous"]


def upgrade() -> None:
    op.create_table(
        "kpi_products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("key_task", sa.String(100), nullable=True),
        sa.Column("proficiency_count", sa.Integer(), nullable=True),
        sa.Column("target_duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("population_kind", sa.String(16), nullable=True),
        sa.Column("population_department", sa.String(100), nullable=True),
        sa.Column("population_channel", sa.String(64), nullable=True),
        sa.Column("population_size", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("product", name="uq_kpi_products_product"),
    )
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("product", "metric", name="uq_kpi_targets_metric"),
    )
    op.create_table(
        "kpi_baselines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("product", name="uq_kpi_baselines_product"),
    )
    op.create_table(
        "kpi_first_seen",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("product", "person", name="uq_kpi_first_seen_person"),
    )
    op.create_index("ix_kpi_first_seen_time", "kpi_first_seen", ["product", "first_at"])
    op.create_table(
        "kpi_rollup_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("through_id", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("name", name="uq_kpi_rollup_marks_name"),
    )
    op.create_index("ix_usage_events_product_person", "usage_events", ["product", "person", "occurred_at"])
    # The KPIs over a window read every column they need from the (product, occurred_at) index on PostgreSQL, in
    # time order, without a visit to the table (SQLite has no INCLUDE: there it stays as it was).
    op.drop_index("ix_usage_events_product_time", table_name="usage_events")
    op.create_index(
        "ix_usage_events_product_time",
        "usage_events",
        ["product", "occurred_at"],
        postgresql_include=COVERED,
    )


def downgrade() -> None:
    op.drop_index("ix_usage_events_product_time", table_name="usage_events")
    op.create_index("ix_usage_events_product_time", "usage_events", ["product", "occurred_at"])
    op.drop_index("ix_usage_events_product_person", table_name="usage_events")
    op.drop_table("kpi_rollup_marks")
    op.drop_index("ix_kpi_first_seen_time", table_name="kpi_first_seen")
    op.drop_table("kpi_first_seen")
    op.drop_table("kpi_baselines")
    op.drop_table("kpi_targets")
    op.drop_table("kpi_products")
