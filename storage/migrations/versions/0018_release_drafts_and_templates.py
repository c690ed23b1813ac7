"""Release note forms kept as drafts to resume, and per-product templates

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("view_key", sa.String(255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "view_key", name="uq_release_drafts_view"),
    )
    op.create_index("ix_release_drafts_author", "release_drafts", ["platform", "team_id", "created_by", "saved_at"])
    op.create_table(
        "release_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("product_key", sa.String(100), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "product_key", name="uq_release_templates_product"),
    )


def downgrade() -> None:
    op.drop_table("release_templates")
    op.drop_index("ix_release_drafts_author", table_name="release_drafts")
    op.drop_table("release_drafts")
