"""Usage events (pseudonymous), the people directory for segments, and the segment of each pulse answer

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import BigId, UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("event", sa.String(200), nullable=False),
        sa.Column("task", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.UniqueConstraint("message_id", name="uq_usage_events_message"),
    )
    op.create_index("ix_usage_events_product_time", "usage_events", ["product", "occurred_at"])
    op.create_index("ix_usage_events_task", "usage_events", ["product", "task", "occurred_at"])
    op.create_index("ix_usage_events_person", "usage_events", ["person", "occurred_at"])
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("department", sa.String(100), nullable=True),
        sa.Column("location", sa.String(100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False, server_default="import"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person", name="uq_people_person"),
    )
    with op.batch_alter_table("pulse_responses") as batch:
        batch.add_column(sa.Column("department", sa.String(100), nullable=True))
        batch.add_column(sa.Column("location", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pulse_responses") as batch:
        batch.drop_column("location")
        batch.drop_column("department")
    op.drop_table("people")
    for index in ("ix_usage_events_person", "ix_usage_events_task", "ix_usage_events_product_time"):
        op.drop_index(index, table_name="usage_events")
    op.drop_table("usage_events")
