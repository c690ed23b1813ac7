"""Alembic environment: one connection handed in by storage/migrate.py, batch mode so SQLite migrates too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from storage.models import Base

# A fixed key: concurrent `feedbot serve` replicas starting together migrate one after another.
MIGRATION_LOCK_KEY = 0x0FEEDB07

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
    context.run_migrations()
