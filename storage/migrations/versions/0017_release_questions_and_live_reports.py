"""Questions about a release are feedback linked to it; a release's delivery report remembers where it was posted
and when it was last redrawn, so it can be kept up to date in place

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("release_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_feedback_release", "releases", ["release_id"], ["id"], ondelete="SET NULL")
    op.create_index("ix_feedback_release", "feedback", ["release_id"])
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("report_channel", sa.String(64), nullable=True))
        batch.add_column(sa.Column("report_ts", sa.String(32), nullable=True))
        batch.add_column(sa.Column("report_updated_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("report_due", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_releases_report_due", "releases", ["report_due"])


def downgrade() -> None:
    op.drop_index("ix_releases_report_due", table_name="releases")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("report_due")
        batch.drop_column("report_updated_at")
        batch.drop_column("report_ts")
        batch.drop_column("report_channel")
    op.drop_index("ix_feedback_release", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("fk_feedback_release", type_="foreignkey")
        batch.drop_column("release_id")
