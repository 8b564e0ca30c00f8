"""Two app instances (A and B) on one fresh PostgreSQL database and one Redis prefix, for the multi tests."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Iterator

import pytest

from tests.support.databases import REDIS_URL, PgTemplates
from tests.support.servers import Server, server_env


def instance_pair(pg_templates: PgTemplates, tmp_path_factory: pytest.TempPathFactory, name: str,
                  **settings: str) -> Iterator[tuple[Server, Server, str]]:
    """Start A and B (in parallel), yield them with the database URL, then stop them and drop the database."""
    if not REDIS_URL:
        pytest.skip("CASINO_TEST_REDIS_URL not set: multi-instance tests need Redis")
    url = asyncio.run(pg_templates.fresh())
    logs = tmp_path_factory.mktemp(name)
    env = {"redis_prefix": f"casino-{name}:{uuid.uuid4().hex[:8]}:", **settings}
    servers = [Server(server_env(url, REDIS_URL, **env), log_path=logs / f"{n}.log") for n in "ab"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = list(pool.map(lambda s: s.start(timeout=90), servers))
    try:
        yield started[0], started[1], url
    finally:
        for server in servers:
            server.stop()
        asyncio.run(pg_templates.drop(url))
