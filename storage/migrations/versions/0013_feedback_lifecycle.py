"""The feedback lifecycle: triage fields on feedback, replies to submitters, and votes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("assignee_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("status_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_changed_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_feedback_duplicate_of", "feedback", ["duplicate_of_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_feedback_team_status", "feedback", ["team_id", "status"])
    op.create_index("ix_feedback_duplicate_of", "feedback", ["duplicate_of_id"])
    op.create_table(
        "feedback_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], ondelete="CASCADE", name="fk_feedback_replies_feedback"
        ),
    )
    op.create_index("ix_feedback_replies_item", "feedback_replies", ["feedback_id", "created_at"])
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], ondelete="CASCADE", name="fk_feedback_votes_feedback"
        ),
        sa.UniqueConstraint("feedback_id", "voter_key", name="uq_feedback_votes_voter"),
    )
    op.create_index("ix_feedback_votes_user", "feedback_votes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_votes_user", table_name="feedback_votes")
    op.drop_table("feedback_votes")
    op.drop_index("ix_feedback_replies_item", table_name="feedback_replies")
    op.drop_table("feedback_replies")
    op.drop_index("ix_feedback_duplicate_of", table_name="feedback")
    op.drop_index("ix_feedback_team_status", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("fk_feedback_duplicate_of", type_="foreignkey")
        for column in ("status_changed_at", "status_note", "duplicate_of_id", "assignee_id"):
            batch.drop_column(column)
