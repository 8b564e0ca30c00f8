"""Runtime: the objects one app instance shares (settings, engine, clock, KV, Redis, hooks)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy import Engine, Executable, Row
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from casino_club.config import Settings
from casino_club.db import READ_OPTION, WRITE_OPTION, make_engine, sync_sqlite_reader
from casino_club.kit.clock import Clock
from casino_club.kit.kv import KV, MemoryKV, RedisKV
from casino_club.kit.pg_reads import PgReads

OUTBOX_PENDING = "outbox_pending_users"
AFTER_COMMIT = "after_commit_hooks"


@dataclass
class Runtime:
    """Everything a request or background job needs besides its own session."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    kv: KV
    redis: Redis | None = None
    # Called after a commit with the ids of players that got outbox events (the realtime relay listens).
    on_outbox_commit: list[Callable[[set[int]], None]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    # Set when a writer may publish the events it committed itself (see realtime.runtime.get_realtime).
    publish_committed: Callable[[list[tuple[int, dict[str, Any]]]], Awaitable[None]] | None = None
    # Run by close() before the engine is disposed (e.g. the round batcher hands back the connections it keeps).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = field(default_factory=dict, repr=False)
    _reads: PgReads | None = field(default=None, repr=False)  # PostgreSQL read pool, see read()
    _sync_reads: Engine | None = field(default=None, repr=False)  # SQLite on-loop reader, see read()
    _no_sync_reads: bool = field(default=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        """Create engine, session factory, clock and KV from settings."""
        from sqlalchemy.ext.asyncio import async_sessionmaker as make_sm

        engine = make_engine(settings)
        clock = clock or Clock(settings.tz)
        redis = None
        if settings.redis_url:
            # A blocking pool: past the cap a call waits for a free connection (within the KV's op timeout)
            # instead of failing at once, which under a burst of requests flipped the KV to its fallback.
            pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=settings.redis_max_connections,
                                                   timeout=5)
            redis = Redis.from_pool(pool)  # the client owns the pool and closes it with itself
        kv: KV = RedisKV(redis, settings.redis_prefix) if redis else MemoryKV()
        sm = make_sm(engine, expire_on_commit=False, info={"clock": clock, "settings": settings})
        return cls(settings=settings, engine=engine, sessionmaker=sm, clock=clock, kv=kv, redis=redis)

    def write_turn(self) -> AbstractAsyncContextManager[Any]:
        """Hold while a write transaction runs: on SQLite this instance's writers take turns in line.

        SQLite has one writer at a time, and a BEGIN IMMEDIATE that finds the lock taken sleeps in SQLite's
        busy handler (1, 2, 5, 10 ms …): under load that was half of a group commit's time. Waiting on an
        asyncio lock instead wakes the next writer the moment the previous one ends. Other processes (the CLI)
        still meet the busy timeout. On PostgreSQL writers run side by side: no lock.
        """
        if not self.settings.is_sqlite:
            return contextlib.nullcontext()
        loop = asyncio.get_running_loop()
        if loop not in self._turns:
            self._turns = {loop: asyncio.Lock()}  # a lock belongs to one event loop (tests start several)
        return self._turns[loop]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success (then poke the outbox relay), roll back on error."""
        async with self.write_turn(), self.sessionmaker() as session:
            # Procuring the connection with the write option autobegins the transaction (IMMEDIATE on SQLite).
            await session.connection(execution_options={WRITE_OPTION: True})
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            pending = session.info.pop(OUTBOX_PENDING, None)
            hooks = session.info.pop(AFTER_COMMIT, None)
        self.outbox_committed(pending)
        for hook in hooks or ():
            await hook(self)  # e.g. revoked sessions are dropped from every instance's cache before the answer

    def outbox_committed(self, pending: set[int] | None) -> None:
        """Tell the listeners (the realtime relay) which players got events in a commit that just landed."""
        if pending:
            for listener in self.on_outbox_commit:
                listener(set(pending))

    async def read(self, statement: Executable, params: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
        """Run one Core read statement outside any transaction and return its rows.

        For the hot GETs: no BEGIN/ROLLBACK around a one-statement read. On SQLite it runs on the event loop
        through the standard sqlite3 module (a WAL read of a few rows takes microseconds; aiosqlite's thread
        hand-offs cost ~40 µs each, five per statement); a busy database falls back to aiosqlite. On
        PostgreSQL it runs straight on an asyncpg pool (kit/pg_reads.py). Each statement sees its own
        snapshot; reads that must agree with each other use a session.
        """
        if self.settings.is_sqlite:
            sync = self._sqlite_reads()
            if sync is not None:
                try:
                    with sync.connect() as conn:
                        return conn.execute(statement, params).all()
                except OperationalError:  # locked / busy (the on-loop path never waits): take the pooled one
                    pass
            async with self.engine.connect() as aconn:
                return (await (await aconn.execution_options(**{READ_OPTION: True})).execute(statement, params)).all()
        if self._reads is None:
            self._reads = PgReads(self.settings.database_url, self.settings.db_read_pool_size, self.engine.dialect)
        return await self._reads.fetch(statement, params)

    def _sqlite_reads(self) -> Engine | None:
        if self._sync_reads is None and not self._no_sync_reads:
            self._sync_reads = sync_sqlite_reader(self.settings)
            self._no_sync_reads = self._sync_reads is None
        return self._sync_reads

    async def run(self, fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """Run fn in its own transaction and return its result."""
        async with self.transaction() as session:
            return await fn(session)

    async def close(self) -> None:
        """Dispose of pooled connections."""
        for closer in self.closers:
            await closer()
        if self._reads is not None:
            await self._reads.close()
        if self._sync_reads is not None:
            self._sync_reads.dispose()
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


async def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the app's runtime (async: a plain def would cost a threadpool hop per request)."""
    rt: Runtime = request.app.state.rt
    return rt


def after_commit(session: AsyncSession, hook: Callable[[Runtime], Awaitable[None]]) -> None:
    """Run hook(rt) once this write transaction (Runtime.transaction) has committed; never after a rollback."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


def session_now(session: AsyncSession) -> datetime:
    """The clock's now() for code that only holds a session."""
    clock: Clock = session.info["clock"]
    return clock.now()


def session_clock(session: AsyncSession) -> Clock:
    """The runtime clock attached to every session."""
    clock: Clock = session.info["clock"]
    return clock


def session_settings(session: AsyncSession) -> Settings:
    """The settings attached to every session."""
    settings: Settings = session.info["settings"]
    return settings
