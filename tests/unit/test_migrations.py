"""Alembic: one head, models == migrations, and an upgrade/downgrade round trip on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.databases import PG_URL

from casino_club import migrate


def _tables(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names - {"alembic_version"}
    return asyncio.run(go())


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite+aiosqlite:///:memory:"))
    assert len(script.get_heads()) == 1


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    migrate.check(url)  # raises when models and migrations disagree
    assert "transfers" in _tables(url) and "users" in _tables(url)
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    migrate.check(url)


def test_sqlite_check_and_round_trip(tmp_path: Path) -> None:
    _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


@pytest.mark.skipif(not PG_URL, reason="CASINO_TEST_DATABASE_URL not set: PostgreSQL variant not run")
def test_postgres_check_and_round_trip() -> None:
    from tests.support.databases import _pg_exec, _run, pg_database_url

    name = "casino_migr_" + __import__("uuid").uuid4().hex[:8]
    _run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        _round_trip(pg_database_url(name))
    finally:
        _run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
