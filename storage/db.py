"""Engine and session handling. Callers own the transaction: `async with db.sessions.begin() as session`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseDriverMissing(Exception):
    """PostgreSQL was asked for but psycopg is not installed."""


def _base_url(database_url: str) -> URL:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgres":
        url = url.set(drivername="postgresql")
    return url


def async_url(database_url: str) -> URL:
    """The URL the runtime uses: aiosqlite for SQLite, psycopg (async mode) for PostgreSQL."""
    url = _base_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    _require_psycopg()
    return url.set(drivername="postgresql+psycopg")


def sync_url(database_url: str) -> URL:
    """The URL Alembic uses: the standard library's sqlite3, psycopg for PostgreSQL."""
    url = _base_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+pysqlite")
    _require_psycopg()
    return url.set(drivername="postgresql+psycopg")


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseDriverMissing(
            "DATABASE_URL points at PostgreSQL but psycopg is not installed: pip install 'feedbot[postgres]'"
        ) from None


def configure_sqlite(engine: Any) -> None:
    """WAL and a busy timeout let the CLI write while `feedbot serve` holds the same file."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


def open_database(database_url: str) -> Database:
    url = async_url(database_url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql":
        # A health check against an unreachable server must fail fast, not hang the probe.
        options["connect_args"] = {"connect_timeout": 5}
    if url.get_backend_name() == "sqlite":
        # SQLite takes one writer at a time and its busy handler backs off in sleeps of up to 100 ms, so
        # competing connections inside one process only add tail latency: queue on one connection instead.
        options |= {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
    engine = create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        configure_sqlite(engine.sync_engine)
    return Database(engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False))
