"""Slack Events API event ids already handled, so a retried event runs its listener once

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events_seen",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_slack_events_seen_at", "slack_events_seen", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_events_seen_at", table_name="slack_events_seen")
    op.drop_table("slack_events_seen")
