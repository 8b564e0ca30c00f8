"""The hot one-statement reads on PostgreSQL, straight on an asyncpg pool (statements compiled once).

Through SQLAlchemy's async engine a read paid for a pool checkout, a greenlet switch, the cursor adapter and
the result wrapping — about as much CPU as the rest of a GET balance request. Here a read is a pool acquire and
one prepared statement (asyncpg caches it per connection). Connections run single statements in autocommit,
so nothing needs resetting between uses: the pool's per-release reset (one more round trip) is skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect, make_url

from casino_club.kit import jsonfast
from casino_club.ops.metrics import count_statements


class AttrRecord(asyncpg.Record):  # type: ignore[misc]
    """A row that also answers `row.column`, as SQLAlchemy's rows do (callers are written against those)."""

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(self.items())

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """Autocommit single statements leave no transaction, cursor, listener or setting behind."""


async def _codecs(conn: asyncpg.Connection) -> None:
    # JSON columns come back decoded, as the engine's json_deserializer gives them (stored answers).
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=jsonfast.dumps, decoder=jsonfast.loads,
                                  schema="pg_catalog")


class PgReads:
    """One asyncpg pool per event loop (tests run several loops) and each statement's SQL, compiled once."""

    def __init__(self, database_url: str, size: int, dialect: Dialect):
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.size, self.dialect = size, dialect
        self.pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] = {}
        self.compiled: dict[int, tuple[Executable, str, tuple[str, ...]]] = {}

    def _sql(self, statement: Executable) -> tuple[str, tuple[str, ...]]:
        hit = self.compiled.get(id(statement))
        if hit is None or hit[0] is not statement:
            compiled = statement.compile(dialect=self.dialect)  # type: ignore[attr-defined]
            hit = self.compiled[id(statement)] = (statement, compiled.string, tuple(compiled.positiontup or ()))
        return hit[1], hit[2]

    async def _pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        pool = self.pools.get(loop)
        if pool is None:
            pool = self.pools[loop] = await asyncpg.create_pool(
                self.dsn, min_size=0, max_size=self.size, init=_codecs, reset=_no_reset,
                record_class=AttrRecord, max_inactive_connection_lifetime=300.0)
        return pool

    async def fetch(self, statement: Executable, params: dict[str, Any] | None) -> Sequence[Any]:
        """The statement's rows; a connection the server dropped fails the statement, retried once on a new one."""
        sql, names = self._sql(statement)
        args = [(params or {})[n] for n in names]
        pool = await self._pool()
        for attempt in (1, 2):
            count_statements()
            try:
                return await pool.fetch(sql, *args)  # type: ignore[no-any-return]
            except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, ConnectionError) as exc:
                if attempt == 2 or isinstance(exc, ValueError):  # ValueError: an argument it cannot encode
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close this loop's pool; pools of loops that are gone are terminated."""
        loop = asyncio.get_running_loop()
        pools, self.pools = self.pools, {}
        for owner, pool in pools.items():
            if owner is loop:
                await pool.close()
            else:
                pool.terminate()
