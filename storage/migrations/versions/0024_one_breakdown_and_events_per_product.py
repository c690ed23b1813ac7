"""A pulse's one breakdown (department or location), and usage events unique per product and message id

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pulses") as batch:
        batch.add_column(sa.Column("breakdown", sa.String(16), nullable=True))
    with op.batch_alter_table("usage_events") as batch:
        batch.drop_constraint("uq_usage_events_message", type_="unique")
        batch.create_unique_constraint("uq_usage_events_product_message", ["product", "message_id"])


def downgrade() -> None:
    with op.batch_alter_table("usage_events") as batch:
        batch.drop_constraint("uq_usage_events_product_message", type_="unique")
        batch.create_unique_constraint("uq_usage_events_message", ["message_id"])
    with op.batch_alter_table("pulses") as batch:
        batch.drop_column("breakdown")
