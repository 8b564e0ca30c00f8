"""Reliability & security suite: CI-sized by default, long with CASINO_RELIABILITY_LONG=1.

Every test records the numbers it proved with the `proved` fixture; they are printed at the end of
the run in a "reliability: numbers proved" section (no `-s` needed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.support import LONG, ServerSet
from tests.support.databases import PG_URL, PgTemplates

_PROVED = "proved"


@pytest.fixture
def proved(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record one line of numbers this test proved: `proved("idempotency", requests=120, effects=40)`."""
    def record(what: str, **numbers: object) -> None:
        line = f"{what}: " + ", ".join(f"{k}={v}" for k, v in numbers.items())
        request.node.user_properties.append((_PROVED, line))
        print(line)
    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Print every test's proved numbers in one section."""
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for category, reports in terminalreporter.stats.items():
        for report in reports:
            for name, value in getattr(report, "user_properties", []) or []:
                if name == _PROVED and (report.nodeid, value) not in seen:
                    seen.add((report.nodeid, value))
                    status = "" if category in ("passed", "") else f" [{category.upper()}]"
                    lines.append(f"{report.nodeid.split('::')[-1]}{status} — {value}")
    if lines:
        mode = "long" if LONG else "CI-sized"
        terminalreporter.section(f"reliability: numbers proved ({mode} mode)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
async def pg_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database (skipped when no test PostgreSQL is configured)."""
    if not PG_URL:
        pytest.skip("CASINO_TEST_DATABASE_URL not set: PostgreSQL reliability tests need it")
    templates: PgTemplates = request.getfixturevalue("pg_templates")
    url = await templates.fresh()
    yield url
    await templates.drop(url)


@pytest.fixture
def server_set(tmp_path: Path) -> Iterator[ServerSet]:
    """Start/stop uvicorn subprocesses; every server is stopped (and its log kept) at teardown."""
    servers = ServerSet(tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()
        for exc in servers.server_exceptions():
            print(f"server-side exception:\n{exc}")  # shown under "Captured stdout teardown" when a test fails
