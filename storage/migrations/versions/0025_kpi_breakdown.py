"""A product's one KPI slicing (department or location)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_products") as batch:
        batch.add_column(sa.Column("breakdown", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi_products") as batch:
        batch.drop_column("breakdown")
