"""The reward schedule in admin (issue 21 §3): read, override (validated, audited, idempotent), reset — and the
server pays what it says: the streak claim, the welcome gold at sign-up and the daily free-gold cap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, login, signup
from tests.support.engagement import LONG_TOKENS

URL = "/api/admin/economy/schedule"
DEFAULTS = {"streak_base_gold": 100, "streak_step_gold": 20, "streak_max_gold": 300, "streak_base_xp": 25,
            "streak_step_xp": 25, "streak_max_xp": 275, "welcome_gold": 1000, "free_gold_daily_cap": None}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)  # the clock moves a day ahead


def schedule(**changes: Any) -> dict[str, Any]:
    return {**DEFAULTS, **changes}


async def test_get_shows_the_defaults_until_an_admin_overrides_them(admin: Player) -> None:
    got = await admin.get(URL)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["effective"] == DEFAULTS and body["defaults"] == DEFAULTS and body["overridden"] is False
    assert body["updated_at"] is None and body["updated_by"] is None
    preview = body["streak_preview"]
    assert len(preview) == 30 and preview[0] == {"streak_day": 1, "gold": 120, "xp": 50}
    assert preview[9]["gold"] == 300 and preview[29]["gold"] == 300


async def test_put_overrides_audits_replays_and_delete_goes_back(admin: Player) -> None:
    proposed = schedule(streak_base_gold=200, streak_step_gold=50, streak_max_gold=500, welcome_gold=2500,
                        free_gold_daily_cap=1000)
    first = await admin.put(URL, json=proposed, idem="schedule-1")
    assert first.status_code == 200, first.text
    out = first.json()
    assert out["effective"] == proposed and out["defaults"] == DEFAULTS and out["overridden"] is True
    assert out["updated_by"] == admin.user_id and out["streak_preview"][0]["gold"] == 250
    again = await admin.put(URL, json=proposed, idem="schedule-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == out
    reused = await admin.put(URL, json=schedule(), idem="schedule-1")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await admin.get(URL)).json()["effective"] == proposed
    audit = (await admin.get("/api/admin/audit", params={"target_type": "reward_schedule"})).json()["items"]
    assert [a["action"] for a in audit] == ["economy.schedule.update"]  # the replay wrote nothing
    assert audit[0]["before"] == DEFAULTS and audit[0]["after"] == proposed and audit[0]["actor_id"] == admin.user_id

    reset = await admin.delete(URL)
    assert reset.status_code == 200 and reset.json()["overridden"] is False and reset.json()["effective"] == DEFAULTS
    assert (await admin.delete(URL)).json()["overridden"] is False  # nothing to reset: no second audit row
    audit = (await admin.get("/api/admin/audit", params={"target_type": "reward_schedule"})).json()["items"]
    assert [a["action"] for a in audit] == ["economy.schedule.reset", "economy.schedule.update"]
    assert audit[0]["before"] == proposed and audit[0]["after"] == DEFAULTS


@pytest.mark.parametrize(("body", "code", "field", "problem"), [
    (schedule(streak_base_gold=400), "SCHEDULE_INVALID", "streak_base_gold", "above_streak_max_gold"),
    (schedule(streak_base_xp=300), "SCHEDULE_INVALID", "streak_base_xp", "above_streak_max_xp"),
    (schedule(streak_step_gold=-1), "SCHEDULE_INVALID", "streak_step_gold", "negative"),
    (schedule(welcome_gold=1_000_000_000_001), "SCHEDULE_INVALID", "welcome_gold", "above_1000000000000"),
    (schedule(free_gold_daily_cap=-5), "SCHEDULE_INVALID", "free_gold_daily_cap", "negative"),
    (schedule(streak_max_gold=10**30), "SCHEDULE_INVALID", "streak_max_gold", "above_1000000"),
    (schedule(welcome_gold="lots"), "VALIDATION_ERROR", None, None),
    (schedule(streak_max_xp=None), "VALIDATION_ERROR", None, None),
    (schedule(bonus=5), "VALIDATION_ERROR", None, None),
    ({"welcome_gold": 10}, "VALIDATION_ERROR", None, None),
])
async def test_a_bad_schedule_is_422_with_a_stable_code_and_changes_nothing(
        admin: Player, body: dict[str, Any], code: str, field: str | None, problem: str | None) -> None:
    refused = await admin.put(URL, json=body)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert error["details"]["fields"] == {field: problem}
    assert (await admin.get(URL)).json()["overridden"] is False
    audit = (await admin.get("/api/admin/audit", params={"target_type": "reward_schedule"})).json()["items"]
    assert audit == []


async def test_players_may_not_read_or_change_the_schedule(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    for response in (await player.get(URL), await player.put(URL, json=schedule()), await player.delete(URL),
                     await player.post(f"{URL}/simulate", json={})):
        assert response.status_code == 403 and response.json()["error"]["code"] == "ADMIN_REQUIRED"
    assert (await client.get(URL)).status_code == 401


async def test_streak_claim_and_preview_pay_the_new_schedule_after_a_put(client: httpx.AsyncClient, admin: Player,
                                                                         clock: Clock) -> None:
    player = await signup(client)
    assert (await player.get("/api/streak/preview")).json()["today_reward"]["gold"] == 120
    put = await admin.put(URL, json=schedule(streak_base_gold=500, streak_step_gold=100, streak_max_gold=700,
                                             streak_base_xp=0, streak_step_xp=10, streak_max_xp=20))
    assert put.status_code == 200, put.text
    preview = (await player.get("/api/streak/preview", params={"days": 3})).json()
    assert preview["today_reward"] == {"streak_day": 1, "gold": 600, "xp": 10}
    assert [d["gold"] for d in preview["upcoming"]] == [700, 700, 700]
    assert (await player.get("/api/streak/status")).json()["today_reward"]["gold"] == 600
    start = await player.gold()
    claim = (await player.post("/api/streak/claim")).json()
    assert claim["gold"] == 600 and claim["xp"] == 10 and await player.gold() == start + 600
    assert (await admin.delete(URL)).status_code == 200
    clock.advance(timedelta(days=1))
    assert (await player.post("/api/streak/claim")).json()["gold"] == 140  # back to the defaults: day 2


async def test_sign_up_pays_the_schedule_s_welcome_gold(client: httpx.AsyncClient, admin: Player) -> None:
    assert (await admin.put(URL, json=schedule(welcome_gold=2500))).status_code == 200
    rich = await signup(client)
    assert await rich.gold() == 2500
    assert (await admin.put(URL, json=schedule(welcome_gold=0))).status_code == 200
    assert await (await signup(client)).gold() == 0
    await admin.delete(URL)
    assert await (await signup(client)).gold() == 1000


async def test_the_free_gold_cap_comes_from_the_schedule(client: httpx.AsyncClient, admin: Player) -> None:
    assert (await admin.put(URL, json=schedule(free_gold_daily_cap=150))).status_code == 200
    player = await signup(client)
    assert (await player.post("/api/streak/claim")).json()["gold"] == 120
    spin = await player.post("/api/games/slot/spin", json={"bet": 10})
    assert spin.status_code == 200, spin.text
    missions = {m["code"]: m for m in (await player.get("/api/missions")).json()["items"]}
    play = (await player.post(f"/api/missions/{missions['daily_play_1']['id']}/claim")).json()
    assert play["reward"]["gold"] == 30  # 50 capped at 150 - 120


async def test_simulate_a_proposed_schedule_without_applying_it(admin: Player) -> None:
    dry = await admin.post(f"{URL}/simulate", json={"players": 20, "days": 10, "seed": 1,
                                                     "schedule": schedule(welcome_gold=5000)})
    assert dry.status_code == 200, dry.text
    out = dry.json()
    assert out["start"] == 5000 and out["players"] == 20 and len(out["median_by_day"]) == 10
    assert out["minted"]["signup_bonus"] == 100_000 and out["minted"]["streak_reward"] > 0
    assert (await admin.get(URL)).json()["overridden"] is False
    bounded = await admin.post(f"{URL}/simulate", json={"players": 2001})
    assert bounded.status_code == 422 and bounded.json()["error"]["code"] == "VALIDATION_ERROR"
    bad = await admin.post(f"{URL}/simulate", json={"schedule": schedule(streak_base_gold=-1)})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "SCHEDULE_INVALID"


async def test_the_seed_pays_the_schedule_s_welcome_gold(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    from casino_club.seed import run_seed

    assert (await admin.put(URL, json=schedule(welcome_gold=1234))).status_code == 200
    created = await run_seed(rt)
    assert "user001" in created
    seeded = await login(client, "user001", rt.settings.effective_seed_password or "")
    assert seeded.status_code == 200 and seeded.json()["user"]["gold"] == 1234
