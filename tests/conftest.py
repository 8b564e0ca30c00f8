"""Shared fixtures: per-test databases on SQLite and (when configured) PostgreSQL + Redis, app and client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from casino_club.app import create_app
from casino_club.auth.models import User
from casino_club.config import Settings
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.wallet.verify import verify_ledger
from tests.support.api import Player, make_admin
from tests.support.constants import TEST_SECRET  # noqa: E402
from tests.support.databases import (
    PG_URL,
    REDIS_URL,
    REQUIRE_SERVICES,
    PgTemplates,
    SqliteTemplates,
    run_sync,
    truncate_all,
)

BACKENDS = ["sqlite", "pg"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In CI the PostgreSQL + Redis variants must run: a missing URL is an error, not a skip."""
    if REQUIRE_SERVICES and not (PG_URL and REDIS_URL):
        raise pytest.UsageError("CASINO_TEST_REQUIRE_SERVICES=1 but CASINO_TEST_DATABASE_URL/REDIS_URL unset")


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    """Migrated SQLite template for this run."""
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_templates() -> AsyncIterator[PgTemplates]:
    """Migrated PostgreSQL template for this run (skipped when no test database is configured)."""
    if not PG_URL:
        pytest.skip("CASINO_TEST_DATABASE_URL not set: PostgreSQL variant not run")
    templates = PgTemplates()
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def pg_worker_url(pg_templates: PgTemplates) -> AsyncIterator[str]:
    """This process's PostgreSQL database, cloned from the template once."""
    url = run_sync(pg_templates.fresh())
    yield url
    run_sync(pg_templates.drop(url))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database (and bus) the test runs on."""
    return request.param


def make_settings(database_url: str, redis_url: str | None, **overrides: object) -> Settings:
    """Test settings: env=test, TOTP required for admins, high sign-up limits."""
    values: dict[str, object] = dict(
        env="test", database_url=database_url, redis_url=redis_url,
        redis_prefix=f"casino-test:{uuid.uuid4().hex[:10]}:", secret_key=TEST_SECRET,
        signup_per_ip_limit=100_000, admin_gold_rate_limit=1000,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for this test."""
    if backend == "sqlite":
        yield request.getfixturevalue("sqlite_templates").fresh(tmp_path)
        return
    # One database per pytest process, emptied before each test: TRUNCATE takes milliseconds where
    # CREATE DATABASE … TEMPLATE + DROP cost ~2 s per test on this machine.
    url = request.getfixturevalue("pg_worker_url")
    await truncate_all(url)
    yield url


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def settings(backend: str, database_url: str, settings_overrides: dict[str, object]) -> Settings:
    """Settings for this test's app."""
    redis_url = REDIS_URL if backend == "pg" else None
    return make_settings(database_url, redis_url, **settings_overrides)


@pytest.fixture
def clock(settings: Settings) -> Clock:
    """A movable clock shared by the app and the test."""
    return Clock(settings.tz)


@pytest.fixture
async def app_rt(settings: Settings, clock: Clock) -> AsyncIterator[tuple[object, Runtime]]:
    """The app with its lifespan running; the ledger must verify clean when the test ends."""
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        rt: Runtime = app.state.rt
        yield app, rt
        async with rt.sessionmaker() as session:
            report = await verify_ledger(session)
        assert report.ok, f"ledger verify failed: {report.problems}"
        if rt.redis is not None:
            keys = [k async for k in rt.redis.scan_iter(match=settings.redis_prefix + "*")]
            if keys:
                await rt.redis.delete(*keys)


@pytest.fixture
def rt(app_rt: tuple[object, Runtime]) -> Runtime:
    """The running app's runtime (database access for setup and assertions)."""
    return app_rt[1]


@pytest.fixture
def settlement(app_rt: tuple[object, Runtime]) -> Any:
    """The running app's settlement writer (for tests that drive jobs directly)."""
    return app_rt[0].state.settlement  # type: ignore[attr-defined]


@pytest.fixture
async def client(app_rt: tuple[object, Runtime]) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client bound to the in-process app."""
    transport = httpx.ASGITransport(app=app_rt[0], client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=60) as c:
        yield c


@pytest.fixture
def promote(rt: Runtime):  # type: ignore[no-untyped-def]
    """Make a user an admin directly in the database (the API cannot create the first admin)."""
    async def go(user_id: int, role: str = "admin") -> None:
        async with rt.transaction() as session:
            await session.execute(update(User).where(User.id == user_id).values(role=role))
    return go


@pytest.fixture
async def admin(client: httpx.AsyncClient, promote) -> Player:  # type: ignore[no-untyped-def]
    """An admin with TOTP enrolled and a fresh token."""
    return await make_admin(client, promote)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which backends run."""
    return [f"casino backends: sqlite{' + postgresql' if PG_URL else ''}{' + redis' if REDIS_URL else ''}",
            f"cwd={os.getcwd()}"]
