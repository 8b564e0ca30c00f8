"""VIP: +50 points once per local day (repeat → 200 idempotent), rank upgrades from settings thresholds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from casino_club.auth.models import User
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import signup
from tests.support.engagement import LONG_TOKENS, events_of, set_local


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)


async def test_daily_claim_and_idempotent_repeat(client: httpx.AsyncClient, clock: Clock) -> None:
    set_local(clock, 2026, 5, 4, 23, 50)
    player = await signup(client)
    status = (await player.get("/api/vip/status")).json()
    assert status["rank"] == "STANDARD" and status["vip_points"] == 0 and not status["claimed_today"]
    assert status["next_rank"] == "PREMIUM" and status["points_to_next"] == 500
    first = await player.post("/api/vip/claim")
    assert first.status_code == 200 and first.json()["idempotent"] is False and first.json()["vip_points"] == 50
    again = await player.post("/api/vip/claim")
    assert again.status_code == 200, again.text
    assert again.json()["idempotent"] is True and again.json()["points_added"] == 0 and again.json()["vip_points"] == 50
    assert (await player.get("/api/auth/me")).json()["vip_points"] == 50
    set_local(clock, 2026, 5, 5, 0, 10)  # just after local midnight: a new day
    third = (await player.post("/api/vip/claim")).json()
    assert third["idempotent"] is False and third["vip_points"] == 100


async def test_parallel_claims_credit_once(client: httpx.AsyncClient, clock: Clock) -> None:
    set_local(clock, 2026, 5, 4, 12)
    player = await signup(client)
    responses = await asyncio.gather(*(player.post("/api/vip/claim") for _ in range(8)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sum(not r.json()["idempotent"] for r in responses) == 1
    assert (await player.get("/api/vip/status")).json()["vip_points"] == 50


async def test_rank_upgrade_when_threshold_crossed(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 5, 4, 12)
    player = await signup(client)
    async with rt.transaction() as session:
        await session.execute(update(User).where(User.id == player.user_id).values(vip_points=460))
    body = (await player.post("/api/vip/claim")).json()
    assert body["rank"] == "PREMIUM" and body["rank_changed"] and body["vip_points"] == 510
    status = (await player.get("/api/vip/status")).json()
    assert status["rank"] == "PREMIUM" and status["next_rank"] == "VIP" and status["points_to_next"] == 1490
    assert "premium_products" in status["benefits"]
    profiles = await events_of(rt, player.user_id, "profile_update")
    assert profiles[-1]["data"]["rank"] == "PREMIUM"
    clock.advance(timedelta(days=1))
    assert (await player.post("/api/vip/claim")).json()["rank_changed"] is False
