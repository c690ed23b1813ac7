"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from storage.db import sync_url
from storage.migrate import upgrade_to_head
from storage.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade_to_head(database_url)  # again: a second upgrade is a no-op
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
