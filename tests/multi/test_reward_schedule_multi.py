"""Two instances: a reward schedule changed through A is what B pays on its very next request (issue 21 §3)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club.auth.models import User
from tests.multi.pairs import instance_pair
from tests.support.api import make_admin, signup
from tests.support.databases import PgTemplates
from tests.support.servers import Server

pytestmark = [pytest.mark.pg, pytest.mark.redis]
URL = "/api/admin/economy/schedule"
SCHEDULE = {"streak_base_gold": 100, "streak_step_gold": 20, "streak_max_gold": 300, "streak_base_xp": 25,
            "streak_step_xp": 25, "streak_max_xp": 275, "welcome_gold": 1000, "free_gold_daily_cap": None}


@pytest.fixture(scope="module")
def pair(pg_templates: PgTemplates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, str]]:
    """Instances A and B on a fresh database, with a long schedule TTL (only the bus can tell B in time)."""
    yield from instance_pair(pg_templates, tmp_path_factory, "schedule", reward_schedule_ttl_s="300")


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
            on_b = await signup(cb)  # a player of instance B
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
