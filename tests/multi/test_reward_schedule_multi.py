"""Two instances: a reward schedule changed through A is what B pays on its very next request (issue 21 §3)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club.auth.models import User
from tests.support.api import Player, make_admin, signup
from tests.support.databases import REDIS_URL, PgTemplates
from tests.support.servers import Server, server_env

pytestmark = [pytest.mark.pg, pytest.mark.redis]
URL = "/api/admin/economy/schedule"
SCHEDULE = {"streak_base_gold": 100, "streak_step_gold": 20, "streak_max_gold": 300, "streak_base_xp": 25,
            "streak_step_xp": 25, "streak_max_xp": 275, "welcome_gold": 1000, "free_gold_daily_cap": None}


@pytest.fixture(scope="module")
def pair(pg_templates: PgTemplates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, str]]:
    """Instances A and B on a fresh database, with a long schedule TTL (only the bus can tell B in time)."""
    if not REDIS_URL:
        pytest.skip("CASINO_TEST_REDIS_URL not set: multi-instance tests need Redis")
    url = asyncio.run(pg_templates.fresh())
    logs = tmp_path_factory.mktemp("schedule")
    settings = {"redis_prefix": f"casino-sched:{uuid.uuid4().hex[:8]}:", "reward_schedule_ttl_s": "300"}
    servers = [Server(server_env(url, REDIS_URL, **settings), log_path=logs / f"{name}.log") for name in "ab"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = list(pool.map(lambda s: s.start(timeout=90), servers))
    try:
        yield started[0], started[1], url
    finally:
        for server in servers:
            server.stop()
        asyncio.run(pg_templates.drop(url))


def _on(client: httpx.AsyncClient, player: Player) -> Player:
    return Player(client, player.site_id, player.password, player.access_token, player.refresh_token, player.user_id)


async def test_a_change_on_a_is_paid_by_b_at_once(pair: tuple[Server, Server, str]) -> None:
    a, b, url = pair
    engine = create_async_engine(url)

    async def promote(user_id: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user_id).values(role="admin"))

    try:
        async with httpx.AsyncClient(base_url=a.url, timeout=30) as ca, \
                httpx.AsyncClient(base_url=b.url, timeout=30) as cb:
            admin = await make_admin(ca, promote)
            on_b = _on(cb, await signup(cb))
            assert (await on_b.get("/api/streak/preview")).json()["today_reward"]["gold"] == 120  # B cached it
            changed = await admin.put(URL, json={**SCHEDULE, "streak_base_gold": 300, "streak_max_gold": 900,
                                                 "welcome_gold": 4000})
            assert changed.status_code == 200, changed.text
            assert (await on_b.get("/api/streak/preview")).json()["today_reward"]["gold"] == 320
            assert (await on_b.post("/api/streak/claim")).json()["gold"] == 320
            assert await (await signup(cb)).gold() == 4000
            assert (await admin.delete(URL)).status_code == 200
            assert await (await signup(cb)).gold() == 1000
    finally:
        await engine.dispose()
