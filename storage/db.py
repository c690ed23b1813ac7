"""Engine and session handling. Callers own the transaction: `async with db.sessions.begin() as session`,
except for submissions, which `db.group_commit` stores many to a transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.group_commit import GroupCommit

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Well inside the few seconds a load balancer waits for /healthz; a healthy ping takes milliseconds.
PING_TIMEOUT_SECONDS = 2.0


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


def folder_of(database_url: str) -> Path:
    """Where a SQLite database file lives (files made beside the data go there); the working directory for a
    server database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent
    return Path.cwd()


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
    # Submissions (the hot path under load) are stored through here, many per transaction.
    group_commit: GroupCommit = field(init=False)
    # Pings that overran their timeout and were cancelled, still unwinding (see `ping`).
    _unwinding_pings: set[asyncio.Task[bool]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.group_commit = GroupCommit(self.sessions)

    async def ping(self, seconds: float = PING_TIMEOUT_SECONDS) -> bool:
        """Whether the database answers `SELECT 1` within `seconds`. Returns in about that time, always."""
        probe = asyncio.get_running_loop().create_task(self._select_one(), name="database-ping")
        # Not asyncio.timeout(): on a silent network (a partition: no RST, no FIN) the pre-ping on a pooled
        # connection waits until TCP gives up, minutes later, and psycopg answers a cancellation by first
        # cancelling the query on the server, up to 10 s more on that same dead network. So stop waiting,
        # cancel, and let it unwind in the background: psycopg then closes that connection and the pool
        # replaces it. connect_timeout bounds only new connections, and is longer than a probe may take.
        done, _ = await asyncio.wait({probe}, timeout=seconds)
        if probe in done:
            return probe.result()
        probe.cancel()
        self._unwinding_pings.add(probe)  # the loop holds tasks weakly: keep it until it is done
        probe.add_done_callback(self._unwinding_pings.discard)
        return False

    async def _select_one(self) -> bool:
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
