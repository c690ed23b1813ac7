"""eNPS pulses: schedules, pulses, anonymous responses; the generated instance secret

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pulse_schedules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("cron", sa.String(64), nullable=True),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("next_run_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "pulses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("audience_size", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("launch_started_at", UTCDateTime(), nullable=True),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("reminder_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column(
            "schedule_id",
            sa.Integer(),
            sa.ForeignKey("pulse_schedules.id", ondelete="SET NULL", name="fk_pulses_schedule"),
            nullable=True,
        ),
        sa.Column("run_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("schedule_id", "run_at", name="uq_pulses_schedule_run"),
    )
    op.create_index("ix_pulses_team", "pulses", ["platform", "team_id", "created_at"])
    op.create_index("ix_pulses_status", "pulses", ["status", "closes_at"])
    op.create_table(
        "pulse_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "pulse_id",
            sa.Integer(),
            sa.ForeignKey("pulses.id", ondelete="CASCADE", name="fk_responses_pulse"),
            nullable=False,
        ),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("pulse_id", "respondent", name="uq_pulse_responses_respondent"),
    )
    op.create_index("ix_pulse_responses_tally", "pulse_responses", ["pulse_id", "score"])
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instance_secrets")
    op.drop_table("pulse_responses")
    op.drop_table("pulses")
    op.drop_table("pulse_schedules")
