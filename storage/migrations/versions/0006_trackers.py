"""Issue trackers: which tracker an item was filed in, its key, link and status there

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default) work on SQLite without a batch copy of the table.
    op.add_column("feedback", sa.Column("tracker", sa.String(16), nullable=True))
    op.add_column("feedback", sa.Column("tracker_key", sa.String(64), nullable=True))
    op.add_column("feedback", sa.Column("tracker_url", sa.Text(), nullable=True))
    op.add_column("feedback", sa.Column("tracker_status", sa.String(64), nullable=True))
    op.add_column("bugs", sa.Column("tracker", sa.String(16), nullable=True))
    op.add_column("bugs", sa.Column("tracker_url", sa.Text(), nullable=True))
    op.add_column("bugs", sa.Column("tracker_status", sa.String(64), nullable=True))
    # Inbound status webhooks find the item by (tracker, key).
    op.create_index("ix_feedback_tracker", "feedback", ["tracker", "tracker_key"])
    op.create_index("ix_bugs_tracker", "bugs", ["tracker", "tracker_key"])


def downgrade() -> None:
    op.drop_index("ix_bugs_tracker", table_name="bugs")
    op.drop_index("ix_feedback_tracker", table_name="feedback")
    with op.batch_alter_table("bugs") as batch:
        for column in ("tracker", "tracker_url", "tracker_status"):
            batch.drop_column(column)
    with op.batch_alter_table("feedback") as batch:
        for column in ("tracker", "tracker_key", "tracker_url", "tracker_status"):
            batch.drop_column(column)
