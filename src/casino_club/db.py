"""Database engine, session factory and the declarative Base shared by every model."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, Table, TypeDecorator, create_engine, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from casino_club.config import Settings
from casino_club.kit import jsonfast
from casino_club.ops.metrics import count_statements

WRITE_OPTION = "casino_write"  # execution option that marks a connection as opened for writing
READ_OPTION = "casino_read"  # SQLite: a Runtime.read statement, run without BEGIN

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BIGINT ids stay 64-bit on PostgreSQL.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention Alembic can diff."""

    metadata = MetaData(naming_convention=NAMING)


def make_engine(settings: Settings, **kw: object) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and write-serialising BEGIN IMMEDIATE."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30}, **_json_codec(kw))
        _tune_sqlite(engine)
    else:
        kw.setdefault("pool_size", settings.db_pool_size)
        kw.setdefault("max_overflow", settings.db_max_overflow)
        kw.setdefault("pool_timeout", settings.db_pool_timeout_s)
        kw.setdefault("pool_pre_ping", True)
        engine = create_async_engine(settings.database_url, **_json_codec(kw))
    _count_statements(engine)
    return engine


def _count_statements(engine: AsyncEngine | Engine) -> None:
    # casino_db_statements_total: the bench reads it around each load kind to report statements per request.
    @event.listens_for(engine.sync_engine if isinstance(engine, AsyncEngine) else engine, "before_cursor_execute")
    def _on_execute(_conn, _cursor, _statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        count_statements(1)


def sync_sqlite_reader(settings: Settings) -> Engine | None:
    """A synchronous engine on the same SQLite file for Runtime.read (None for in-memory databases).

    Its connections never wait for a lock (busy_timeout 0: the caller falls back) and run in autocommit,
    so a read is one statement with no BEGIN. Only the event loop's thread uses them.
    """
    url = make_url(settings.database_url)
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        return None
    engine = create_engine(url.set(drivername="sqlite"), connect_args={"check_same_thread": False},
                           **_json_codec({}))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA busy_timeout=0")
        dbapi_conn.execute("PRAGMA query_only=1")  # a read path: refuse any write outright
    _count_statements(engine)
    return engine


def sync_sqlite_writer(settings: Settings) -> sqlite3.Connection | None:
    """A sqlite3 connection on the same file for the settlement writer's groups, on the event loop (None in memory).

    An aiosqlite call is a hand-off to its thread and back (~80 µs here; the same statement runs in ~3 µs on the
    loop), and a group made about 13 of them while every waiting request sat idle. Its BEGIN IMMEDIATE never
    waits (busy_timeout 0): when another process holds the write lock the writer takes the pooled path, which
    waits without blocking the loop.
    """
    url = make_url(settings.database_url)
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        return None
    conn = sqlite3.connect(url.database, check_same_thread=False, isolation_level=None)
    _write_pragmas(conn, busy_timeout_ms=0)
    return conn


def _write_pragmas(conn: Any, busy_timeout_ms: int) -> None:
    """The settings of every connection that writes (a sqlite3 connection or cursor: both have execute)."""
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", f"busy_timeout={busy_timeout_ms}",
                   # The app checkpoints the WAL in the background (ops.jobs.sqlite_checkpointer); SQLite's own
                   # checkpoint at 1,000 pages ran inside whichever COMMIT crossed it (20–30 ms, every ~10th group
                   # commit under load). This larger threshold is only the safety net for when that job is not running.
                   f"wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}"):
        conn.execute(f"PRAGMA {pragma}")


def _json_codec(kw: dict[str, object]) -> dict[str, object]:
    # JSON columns (round outcomes, outbox events, stored answers) are encoded on every write: orjson.
    kw.setdefault("json_serializer", jsonfast.dumps)
    kw.setdefault("json_deserializer", jsonfast.loads)
    return kw


WAL_AUTOCHECKPOINT_PAGES = 10_000  # 4 KiB pages: ~40 MB of WAL


def _tune_sqlite(engine: AsyncEngine) -> None:
    # Write transactions (Runtime.transaction marks them) BEGIN IMMEDIATE: taking the write lock up front
    # avoids SQLITE_BUSY_SNAPSHOT when a deferred transaction upgrades to a write after another writer
    # committed. Reads stay DEFERRED so WAL readers never wait for writers.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        _write_pragmas(cur, busy_timeout_ms=30_000)
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_OPTION):
            return  # Runtime.read: the connection is in autocommit (isolation_level None), one statement each
        mode = "IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit so responses can be built from them."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any exception."""
    async with sessionmaker() as session:
        async with session.begin():
            yield session


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE / DELETE matched (`session.execute` types every result as a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def core_table(model: type[Any]) -> Table:
    """The Core table of a mapped class (for Core statements: no per-row ORM objects, no session sync)."""
    return cast(Table, model.__table__)
