"""20 concurrent streak claims: exactly one pays, the rest are 409 ALREADY_CLAIMED, never a 500."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.rewards.models import RewardGrant
from casino_club.streaks.models import StreakClaim, StreakDay
from tests.support.api import signup
from tests.support.engagement import LONG_TOKENS, ROUND_STREAK, set_local


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS) | ROUND_STREAK


async def test_twenty_concurrent_claims_pay_once(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 4, 1, 10)
    player = await signup(client)
    responses = await asyncio.gather(*(player.post("/api/streak/claim") for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"ALREADY_CLAIMED"}
    assert await player.gold() == 2000
    async with rt.sessionmaker() as session:
        for model in (StreakClaim, StreakDay, RewardGrant):
            count = (await session.execute(select(func.count()).select_from(model))).scalar_one()
            assert count == 1, model.__name__


async def test_concurrent_ticks_count_the_day_once(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 4, 1, 10)
    player = await signup(client)
    responses = await asyncio.gather(*(player.post("/api/streak/tick") for _ in range(10)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sum(r.json()["first_visit_today"] for r in responses) == 1
    status = (await player.get("/api/streak/status")).json()
    assert status["current_streak"] == 1 and status["ticked_today"] and not status["claimed_today"]
