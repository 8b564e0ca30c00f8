"""Shared bench plumbing: fresh PostgreSQL databases, uvicorn subprocesses, latency summaries."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.servers is reused to run `casino-club serve` processes

from tests.support.servers import Server, server_env  # noqa: E402

PG_URL = os.environ.get("CASINO_TEST_DATABASE_URL") or os.environ.get("CASINO_BENCH_DATABASE_URL")
REDIS_URL = os.environ.get("CASINO_TEST_REDIS_URL") or os.environ.get("CASINO_BENCH_REDIS_URL")
# Load tests must not trip the per-player/IP throttles that protect production.
UNTHROTTLED = {"write_rate_limit": "100000000", "login_per_ip_limit": "100000000",
               "signup_per_ip_limit": "100000000", "shop_purchase_rate_limit": "100000000",
               "admin_gold_rate_limit": "100000000"}


def require_services() -> tuple[str, str]:
    """The PostgreSQL and Redis URLs, or exit with a clear message."""
    if not PG_URL or not REDIS_URL:
        sys.exit("set CASINO_TEST_DATABASE_URL (postgresql+asyncpg://...) and CASINO_TEST_REDIS_URL first")
    return PG_URL, REDIS_URL


async def pg_exec(sql: str) -> None:
    """Run one statement on the server's admin database (autocommit)."""
    assert PG_URL
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def fresh_database(prefix: str) -> str:
    """Create an empty database on the test server; `casino-club serve` migrates it."""
    assert PG_URL
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg_exec(f'CREATE DATABASE "{name}"'))
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, attempts: int = 10) -> None:
    """Drop a bench database (retrying while the shared server is out of connection slots)."""
    for attempt in range(attempts):
        try:
            asyncio.run(pg_exec(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0 + attempt)


def start_servers(n: int, database_url: str, redis_url: str, log_dir: Path, seed: bool = False,
                  **settings: str) -> list[Server]:
    """n `casino-club serve` processes (one uvicorn process each) on one database and one Redis prefix."""
    log_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"casino-bench:{uuid.uuid4().hex[:8]}:"
    env = server_env(database_url, redis_url, redis_prefix=prefix, **{**UNTHROTTLED, **settings})
    servers = []
    for i in range(n):
        server = Server(dict(env), log_path=log_dir / f"app{i + 1}.log")
        server.start(timeout=120, extra_args=["--seed"] if seed and i == 0 else None)
        servers.append(server)
    return servers


def stop_servers(servers: list[Server]) -> None:
    """Stop every server."""
    for server in servers:
        server.stop()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) in milliseconds of values in seconds (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def summary(values: list[float]) -> dict[str, float]:
    """count, p50, p99 and mean in milliseconds."""
    return {"n": len(values), "p50_ms": round(pct(values, 50), 2), "p99_ms": round(pct(values, 99), 2),
            "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else float("nan")}
