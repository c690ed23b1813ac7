"""Microsoft Teams: the conversation references proactive messages need

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("target_id", name="uq_teams_conversations_target"),
    )
    op.create_index("ix_teams_conversations_tenant", "teams_conversations", ["tenant_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_tenant", table_name="teams_conversations")
    op.drop_table("teams_conversations")
