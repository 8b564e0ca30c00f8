"""Missions: seeded on a fresh database, progress only from server-side play, claim once, local resets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import signup
from tests.support.engagement import LONG_TOKENS, events_of, set_local
from tests.support.ledger import report_progress


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)


async def _missions(player) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = await player.get("/api/missions")
    assert response.status_code == 200, response.text
    return {m["code"]: m for m in response.json()["items"]}


async def test_fresh_database_has_the_seed_missions(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    missions = await _missions(player)
    assert {code: (m["period"], m["metric"], m["target"], m["rewards"]["gold"], m["rewards"]["xp"])
            for code, m in missions.items()} == {
        "daily_play_1": ("daily", "games_played", 1, 50, 10),
        "daily_slot_5": ("daily", "slot_spins", 5, 50, 50),
        "daily_wager_1000": ("daily", "gold_wagered", 1000, 100, 50),
        "daily_win_3": ("daily", "wins", 3, 50, 100),
        "weekly_games_20": ("weekly", "games_played", 20, 200, 0),
        "weekly_wager_20000": ("weekly", "gold_wagered", 20000, 400, 0),
    }
    assert all(m["progress"] == 0 and not m["completed"] for m in missions.values())


async def test_five_slot_spins_complete_the_mission_and_pay_once(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    for _ in range(5):
        response = await player.post("/api/games/slot/spin", json={"bet": 10})
        assert response.status_code == 200, response.text
    missions = await _missions(player)
    slot = missions["daily_slot_5"]
    assert slot["progress"] == 5 and slot["completed"] and not slot["claimed"]
    assert missions["daily_play_1"]["completed"] and missions["weekly_games_20"]["progress"] == 5
    before, xp_before = await player.gold(), (await player.get("/api/auth/me")).json()["xp"]
    responses = await asyncio.gather(*(player.post(f"/api/missions/{slot['id']}/claim") for _ in range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 5, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"ALREADY_CLAIMED"}
    assert await player.gold() == before + 50
    assert (await player.get("/api/auth/me")).json()["xp"] == xp_before + 50
    assert (await _missions(player))["daily_slot_5"]["claimed"]
    progress_events = await events_of(rt, player.user_id, "event_progress")
    assert any(u["code"] == "daily_slot_5" and u["completed"] for e in progress_events for u in e["data"]["updates"])


async def test_progress_reported_by_the_server_and_incomplete_claim(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    win = (await _missions(player))["daily_win_3"]
    response = await player.post(f"/api/missions/{win['id']}/claim")
    assert response.status_code == 409 and response.json()["error"]["code"] == "MISSION_INCOMPLETE"
    await report_progress(rt, player.user_id, {"games_played": 1, "wins": 2})
    await report_progress(rt, player.user_id, {"games_played": 1, "wins": 1, "slot_spins": 0})
    missions = await _missions(player)
    assert missions["daily_win_3"]["progress"] == 3 and missions["daily_win_3"]["completed"]
    assert missions["daily_slot_5"]["progress"] == 0
    body = (await player.post(f"/api/missions/{win['id']}/claim")).json()
    assert body["reward"]["gold"] == 50 and body["reward"]["xp"] == 100 and body["kind"] == "mission"


async def test_no_client_supplied_progress(client: httpx.AsyncClient, app_rt) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    slot = (await _missions(player))["daily_slot_5"]
    # A body claiming progress is ignored: the server's count (0) decides.
    response = await player.post(f"/api/missions/{slot['id']}/claim", json={"progress": 5, "value": 5})
    assert response.status_code == 409 and response.json()["error"]["code"] == "MISSION_INCOMPLETE"
    for method in ("put", "patch", "post"):
        response = await client.request(method.upper(), f"/api/missions/{slot['id']}/progress", json={"value": 5},
                                        headers=player.headers)
        assert response.status_code in (404, 405)
    assert (await _missions(player))["daily_slot_5"]["progress"] == 0
    # No player-facing write in the engagement API accepts a request body with progress values.
    spec = app_rt[0].openapi()
    for path, ops in spec["paths"].items():
        if path.startswith(("/api/missions", "/api/events", "/api/streak", "/api/vip")):
            for method, op in ops.items():
                assert "requestBody" not in op, (method, path)


async def test_daily_missions_reset_at_local_midnight(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 6, 2, 23, 58)  # a Tuesday, two minutes before local midnight
    player = await signup(client)
    await report_progress(rt, player.user_id, {"games_played": 1})
    missions = await _missions(player)
    assert missions["daily_play_1"]["completed"] and missions["daily_play_1"]["period_start"] == "2026-06-02"
    set_local(clock, 2026, 6, 3, 0, 2)  # just after local midnight (still the 2nd in UTC)
    missions = await _missions(player)
    assert missions["daily_play_1"]["progress"] == 0 and not missions["daily_play_1"]["completed"]
    assert missions["daily_play_1"]["period_start"] == "2026-06-03"
    assert missions["weekly_games_20"]["progress"] == 1 and missions["weekly_games_20"]["period_start"] == "2026-06-01"
    response = await player.post(f"/api/missions/{missions['daily_play_1']['id']}/claim")
    assert response.status_code == 409 and response.json()["error"]["code"] == "MISSION_INCOMPLETE"
    set_local(clock, 2026, 6, 8, 0, 1)  # the next local Monday: weekly resets too
    assert (await _missions(player))["weekly_games_20"]["progress"] == 0


async def test_daily_mission_can_be_claimed_again_next_day(client: httpx.AsyncClient, clock: Clock, rt: Runtime) -> None:
    set_local(clock, 2026, 6, 2, 12)
    player = await signup(client)
    play = (await _missions(player))["daily_play_1"]
    for _ in range(2):
        await report_progress(rt, player.user_id, {"games_played": 1})
        response = await player.post(f"/api/missions/{play['id']}/claim")
        assert response.status_code == 200, response.text
        clock.advance(timedelta(days=1))
    assert len((await player.get("/api/rewards")).json()["items"]) == 2


async def test_unknown_mission_is_404(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    assert (await player.post("/api/missions/999999/claim")).status_code == 404
    assert (await player.post("/api/missions/99999999999999999999/claim")).status_code == 422
