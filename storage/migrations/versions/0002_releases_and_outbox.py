"""stakeholders, releases, acknowledgements, the outbox, user time zones; shipped markers on feedback and bugs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stakeholders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(128), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "target_id", name="uq_stakeholders_target"),
    )
    op.create_index("ix_stakeholders_tier", "stakeholders", ["platform", "team_id", "tier"])
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("deer_text", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("exec_summary", sa.Text(), nullable=True),
        sa.Column("affected", sa.Text(), nullable=True),
        sa.Column("linked_items", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("fanned_out_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("source_key", sa.String(255), nullable=True),
        sa.Column("per_recipient_time", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "source_key", name="uq_releases_source"),
    )
    op.create_index("ix_releases_due", "releases", ["status", "send_at"])
    op.create_table(
        "release_acknowledgements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("release_id", "user_id", name="uq_release_ack"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("recipient_id", sa.String(128), nullable=False),
        sa.Column("recipient_kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.Column("sent_channel", sa.String(64), nullable=True),
        sa.Column("sent_ts", sa.String(32), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("local_wall_time", sa.String(19), nullable=True),
        sa.UniqueConstraint("subject", "recipient_id", name="uq_deliveries_subject_recipient"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "user_timezones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "user_id", name="uq_user_timezones_user"),
    )
    op.create_index("ix_deliveries_release", "deliveries", ["release_id", "status"])
    for table in ("feedback", "bugs"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shipped_release_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("shipped_at", UTCDateTime(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_shipped_release", "releases", ["shipped_release_id"], ["id"], ondelete="SET NULL"
            )
        op.create_index(f"ix_{table}_team_shipped", table, ["team_id", "shipped_at"])


def downgrade() -> None:
    for table in ("feedback", "bugs"):
        op.drop_index(f"ix_{table}_team_shipped", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_shipped_release", type_="foreignkey")
            batch.drop_column("shipped_at")
            batch.drop_column("shipped_release_id")
    op.drop_table("user_timezones")
    op.drop_table("deliveries")
    op.drop_table("release_acknowledgements")
    op.drop_table("releases")
    op.drop_table("stakeholders")
