"""Two uvicorn processes on one PostgreSQL database and one Redis: they behave as one service."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.api import key
from tests.support.databases import REDIS_URL, PgTemplates
from tests.support.servers import Server, server_env
from tests.support.ws import open_synced

pytestmark = [pytest.mark.pg, pytest.mark.redis]
WRITE_LIMIT = 6


@pytest.fixture(scope="module")
def pair(pg_templates: PgTemplates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Instances A and B on a fresh database, sharing Redis (one key prefix, as one deployment would)."""
    if not REDIS_URL:
        pytest.skip("CASINO_TEST_REDIS_URL not set: multi-instance tests need Redis")
    url = asyncio.run(pg_templates.fresh())
    logs = tmp_path_factory.mktemp("multi")
    settings = {"redis_prefix": f"casino-multi:{uuid.uuid4().hex[:8]}:", "write_rate_limit": str(WRITE_LIMIT),
                "login_max_failures": "5"}
    servers = [Server(server_env(url, REDIS_URL, **settings), log_path=logs / f"{name}.log") for name in "ab"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = list(pool.map(lambda s: s.start(timeout=90), servers))
    try:
        yield started[0], started[1]
    finally:
        for server in servers:
            server.stop()
        asyncio.run(pg_templates.drop(url))


def signup(base: str) -> tuple[str, dict[str, str], int]:
    """Sign up on one instance; returns (site_id, auth header, user id)."""
    site_id = f"m{uuid.uuid4().hex[:10]}"
    r = httpx.post(base + "/api/auth/signup", json={"site_id": site_id, "nickname": site_id, "password": "password123"})
    assert r.status_code == 201, r.text
    return site_id, {"Authorization": f"Bearer {r.json()['access_token']}"}, r.json()["user"]["id"]


async def test_write_on_one_is_visible_and_pushed_through_the_other(pair: tuple[Server, Server]) -> None:
    a, b = pair
    _, auth, _ = signup(a.url)
    token = auth["Authorization"].split()[1]
    sock, snapshot = await open_synced(b.url.replace("http", "ws"), token)
    try:
        async with httpx.AsyncClient(timeout=15) as c:
            played = await c.post(a.url + "/api/games/slot/spin", json={"bet": 100},
                                  headers={**auth, "Idempotency-Key": key()})
            assert played.status_code == 200, played.text
            balance = played.json()["balance"]
            metrics = (await c.get(b.url + "/metrics")).text
            gauge = next(line for line in metrics.splitlines() if line.startswith("casino_ws_connections "))
            assert float(gauge.split()[1]) >= 1  # B counts the socket it holds
            seen = await c.get(b.url + "/api/users/balance", headers=auth)
            assert seen.status_code == 200 and seen.json()["gold"] == balance
            events = await sock.events(1, wait_s=15)
            # Pushed by B although A handled the write: the outbox relay and Redis bus connect them.
            profile = [e for e in [*events, *await sock.silent(1.5)] if e["type"] == "profile_update"]
            assert profile and profile[-1]["data"]["gold"] == balance, events
    finally:
        await sock.close()


def test_logout_on_one_rejects_the_token_on_the_other(pair: tuple[Server, Server]) -> None:
    a, b = pair
    _, auth, _ = signup(a.url)
    assert httpx.get(b.url + "/api/auth/me", headers=auth).status_code == 200
    assert httpx.post(a.url + "/api/auth/logout", headers=auth).status_code == 204
    rejected = httpx.get(b.url + "/api/auth/me", headers=auth)
    assert rejected.status_code == 401
    assert rejected.json()["error"]["code"] == "INVALID_TOKEN"


def test_login_lockout_is_counted_across_instances(pair: tuple[Server, Server]) -> None:
    a, b = pair
    site_id, _, _ = signup(a.url)
    for base in (a.url, b.url, a.url, b.url, a.url):  # five failures, split over both instances
        assert httpx.post(base + "/api/auth/login", json={"site_id": site_id, "password": "wrong-pass"}).status_code == 401
    for base in (a.url, b.url):  # locked everywhere, even with the right password
        locked = httpx.post(base + "/api/auth/login", json={"site_id": site_id, "password": "password123"})
        assert locked.status_code == 429, locked.text
        assert int(locked.headers["retry-after"]) > 0


def test_write_rate_limit_is_shared(pair: tuple[Server, Server]) -> None:
    a, b = pair
    site_id, auth, _ = signup(a.url)
    statuses = []
    for i in range(WRITE_LIMIT + 2):
        base = (a.url, b.url)[i % 2]
        r = httpx.put(base + "/api/auth/me", json={"nickname": f"{site_id}{i}"}, headers={**auth, "Idempotency-Key": key()})
        statuses.append(r.status_code)
    assert statuses == [200] * WRITE_LIMIT + [429, 429], statuses


def test_instances_report_ready_with_redis(pair: tuple[Server, Server]) -> None:
    for server in pair:
        body = httpx.get(server.url + "/ready").json()
        assert body["status"] == "ready"
        assert body["checks"]["redis"]["ok"] is True and "mode" not in body["checks"]["redis"]
