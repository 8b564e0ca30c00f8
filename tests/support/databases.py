"""Fresh databases per test: a migrated template once per run, copied (SQLite) or cloned (PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club.migrate import upgrade

PG_URL = os.environ.get("CASINO_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CASINO_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("CASINO_TEST_REQUIRE_SERVICES") == "1"


def _admin_url() -> str:
    assert PG_URL
    return PG_URL


async def _pg_exec(sql: str) -> None:
    engine = create_async_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def pg_database_url(name: str) -> str:
    """URL of database `name` on the test PostgreSQL server."""
    return make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)


class SqliteTemplates:
    """One migrated SQLite file per run; each test gets a byte copy (much faster than migrating)."""

    def __init__(self, root: Path):
        self.root = root
        self.template = root / "template.db"
        upgrade(f"sqlite+aiosqlite:///{self.template}")

    def fresh(self, directory: Path) -> str:
        """Copy the template into `directory` and return its URL."""
        target = directory / f"casino-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"


class PgTemplates:
    """One migrated template database per run; CREATE DATABASE … TEMPLATE per test."""

    def __init__(self) -> None:
        self.template = f"casino_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _run(_pg_exec(f'CREATE DATABASE "{self.template}"'))
        upgrade(pg_database_url(self.template))
        self.created: list[str] = []

    async def fresh(self) -> str:
        """Clone the template into a new database and return its URL."""
        name = f"casino_t_{uuid.uuid4().hex[:12]}"
        await _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return pg_database_url(name)

    async def drop(self, url: str) -> None:
        """Drop a per-test database (terminating leftover connections)."""
        name = make_url(url).database
        await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the template."""
        _run(_pg_exec(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


def run_sync(coro):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion (and return its result) even when called from inside a running loop."""
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


_run = run_sync


async def truncate_all(url: str) -> None:
    """Empty every application table, children first, leaving the schema in place."""
    # DELETE on near-empty tables is ~1 ms each; TRUNCATE of ~50 tables rewrites files and costs ~0.7 s.
    import asyncpg

    import casino_club.models  # noqa: F401  (fills the metadata)
    from casino_club.db import Base

    script = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(script)  # one round trip; asyncpg runs a multi-statement script without arguments
    finally:
        await conn.close()
