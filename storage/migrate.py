"""`feedbot db upgrade`: Alembic to head. `feedbot serve` calls it on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from storage.db import configure_sqlite, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(database_url: str) -> None:
    url = sync_url(database_url)
    engine = create_engine(url)
    if url.get_backend_name() == "sqlite":
        configure_sqlite(engine)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
