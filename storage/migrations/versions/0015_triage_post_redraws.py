"""Triage posts remember their last change, so a change made anywhere (CLI, App Home, a release) redraws them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("triage_posts") as batch:
        batch.add_column(sa.Column("change", sa.String(255), nullable=True))
        batch.add_column(sa.Column("changed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("redraw_due", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_triage_posts_redraw", "triage_posts", ["redraw_due"])


def downgrade() -> None:
    op.drop_index("ix_triage_posts_redraw", table_name="triage_posts")
    with op.batch_alter_table("triage_posts") as batch:
        batch.drop_column("redraw_due")
        batch.drop_column("changed_at")
        batch.drop_column("changed_by")
        batch.drop_column("change")
