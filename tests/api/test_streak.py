"""Daily streak: consecutive local days, gaps, shields, the operator-timezone day boundary, calendar."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from casino_club.auth.models import User
from casino_club.inventory.service import CORE_ITEMS, STREAK_SHIELD, grant_item, quantity_of, upsert_items
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.streaks.models import StreakEvent
from tests.support.api import signup
from tests.support.engagement import LONG_TOKENS, ROUND_STREAK, events_of, set_local, set_utc


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS) | ROUND_STREAK


async def _claim(player, status: int = 200) -> dict:  # type: ignore[no-untyped-def]
    response = await player.post("/api/streak/claim")
    assert response.status_code == status, response.text
    return response.json()


async def test_three_day_streak_pays_day_three_gold(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 3, 10, 12)
    player = await signup(client)
    paid = []
    for n in (1, 2, 3):
        body = await _claim(player)
        assert body["streak_day"] == n
        assert body["gold"] == min(800 + 200 * n, 2800) and body["xp"] == min(25 + 25 * n, 275)
        paid.append(body["gold"])
        clock.advance(timedelta(days=1))
    assert paid == [1000, 1200, 1400]
    assert await player.gold() == 1000 + 1000 + 1200 + 1400
    me = (await player.get("/api/auth/me")).json()
    assert me["xp"] == 50 + 75 + 100
    types = [e["type"] for e in await events_of(rt, player.user_id)]
    assert types.count("reward_granted") == 3 and "streak_update" in types and "profile_update" in types
    rewards = (await player.get("/api/rewards")).json()["items"]
    assert [r["gold"] for r in rewards] == [1400, 1200, 1000] and {r["source"] for r in rewards} == {"streak"}


async def test_second_claim_same_day_is_409(client: httpx.AsyncClient, clock: Clock) -> None:
    set_local(clock, 2026, 3, 10, 9)
    player = await signup(client)
    await _claim(player)
    body = await _claim(player, 409)
    assert body["error"]["code"] == "ALREADY_CLAIMED" and body["error"]["message"]
    assert await player.gold() == 2000
    status = (await player.get("/api/streak/status")).json()
    assert status["claimed_today"] and status["ticked_today"] and status["current_streak"] == 1


async def test_gap_resets_the_streak(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 3, 10)
    player = await signup(client)
    await _claim(player)
    clock.advance(timedelta(days=1))
    assert (await _claim(player))["streak_day"] == 2
    clock.advance(timedelta(days=2))  # the 12th is missed
    status = (await player.get("/api/streak/status")).json()
    assert status["current_streak"] == 0 and status["today_reward"]["streak_day"] == 1
    body = await _claim(player)
    assert body["streak_day"] == 1 and body["gold"] == 1000
    async with rt.sessionmaker() as session:
        kinds = list((await session.execute(select(StreakEvent.kind).where(
            StreakEvent.user_id == player.user_id).order_by(StreakEvent.id))).scalars())
    assert "reset" in kinds and "shield_used" not in kinds


async def test_shield_saves_the_streak_and_is_consumed(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 3, 10)
    player = await signup(client)
    async with rt.transaction() as session:
        await upsert_items(session, CORE_ITEMS)
        await grant_item(session, player.user_id, STREAK_SHIELD, 1)
    await _claim(player)
    clock.advance(timedelta(days=1))
    await _claim(player)
    clock.advance(timedelta(days=2))  # one missed day, one shield
    preview = (await player.get("/api/streak/preview")).json()
    assert preview["would_use_shields"] == 1 and not preview["would_reset"]
    assert preview["today_reward"]["streak_day"] == 3
    body = await _claim(player)
    assert body["streak_day"] == 3 and body["gold"] == 1400
    async with rt.sessionmaker() as session:
        assert await quantity_of(session, player.user_id, STREAK_SHIELD) == 0
        used = (await session.execute(select(StreakEvent).where(
            StreakEvent.user_id == player.user_id, StreakEvent.kind == "shield_used"))).scalars().all()
    assert len(used) == 1 and used[0].data["shields"] == 1
    history = (await player.get("/api/streak/history", params={"month": "2026-03"})).json()
    assert history["shield_days"] == ["2026-03-13"]
    assert [d["day"] for d in history["days"]] == ["2026-03-10", "2026-03-11", "2026-03-13"]
    # A second gap without shields resets (and nothing is consumed from an empty inventory).
    clock.advance(timedelta(days=2))
    assert (await _claim(player))["streak_day"] == 1


async def test_day_boundary_is_local_midnight_not_utc(client: httpx.AsyncClient, clock: Clock) -> None:
    # Asia/Seoul is UTC+9: local midnight is 15:00 UTC.
    set_utc(clock, 2026, 3, 10, 14, 30)  # 23:30 on the 10th in Seoul
    player = await signup(client)
    first = await _claim(player)
    set_utc(clock, 2026, 3, 10, 15, 30)  # same UTC date, but 00:30 on the 11th in Seoul
    second = await _claim(player)
    assert (first["today"], second["today"]) == ("2026-03-10", "2026-03-11")
    assert second["streak_day"] == 2
    set_utc(clock, 2026, 3, 11, 14, 30)  # new UTC date, still the 11th in Seoul
    again = await _claim(player, 409)
    assert again["error"]["code"] == "ALREADY_CLAIMED"
    status = (await player.get("/api/streak/status")).json()
    assert status["today"] == "2026-03-11" and status["timezone"] == "Asia/Seoul"
    assert status["next_reset_at"].startswith("2026-03-11T15:00:00")


async def test_tick_is_once_per_day_and_feeds_login_days(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 3, 10, 8)
    player = await signup(client)
    first = (await player.post("/api/streak/tick")).json()
    second = (await player.post("/api/streak/tick")).json()
    assert first["first_visit_today"] and not second["first_visit_today"]
    assert first["current_streak"] == second["current_streak"] == 1
    assert len(await events_of(rt, player.user_id, "streak_update")) == 1
    # The claim after an explicit tick does not tick twice.
    assert (await _claim(player))["streak_day"] == 1
    status = (await player.get("/api/streak/status")).json()
    assert status["claimed_today"] and status["current_streak"] == 1 and status["longest_streak"] == 1


async def test_history_calendar_and_bad_months(client: httpx.AsyncClient, clock: Clock) -> None:
    set_local(clock, 2026, 2, 27)
    player = await signup(client)
    for _ in range(4):  # 27, 28 Feb, 1, 2 Mar
        await _claim(player)
        clock.advance(timedelta(days=1))
    feb = (await player.get("/api/streak/history", params={"month": "2026-02"})).json()
    assert feb["days_in_month"] == 28 and feb["attended"] == 2 and feb["claimed"] == 2
    assert [d["streak_day"] for d in feb["days"]] == [1, 2] and feb["days"][1]["gold"] == 1200
    current = (await player.get("/api/streak/history")).json()
    assert current["month"] == "2026-03" and [d["streak_day"] for d in current["days"]] == [3, 4]
    for bad, code in (("2026-13", "INVALID_MONTH"), ("2026-00", "INVALID_MONTH"), ("9999-12", "INVALID_MONTH"),
                      ("0000-01", "INVALID_MONTH"), ("march", "VALIDATION_ERROR")):
        response = await player.get("/api/streak/history", params={"month": bad})
        assert response.status_code == 422 and response.json()["error"]["code"] == code, bad


async def test_streak_needs_auth(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/streak/status")).status_code == 401
    assert (await client.post("/api/streak/claim")).status_code == 401


async def test_claim_xp_goes_through_levels(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 3, 10)
    player = await signup(client)
    async with rt.transaction() as session:
        await session.execute(update(User).where(User.id == player.user_id).values(xp=480))
    body = await _claim(player)
    assert body["total_xp"] == 530 and body["level"] == 2
    level_ups = await events_of(rt, player.user_id, "level_up")
    assert [e["data"]["level"] for e in level_ups] == [2] and level_ups[0]["data"]["source"] == "streak"
