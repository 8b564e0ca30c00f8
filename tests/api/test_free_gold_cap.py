"""The optional daily cap on free gold (issue 21 §3): engagement rewards pay at most the cap per local day."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from casino_club.kit.clock import Clock
from tests.support.api import signup
from tests.support.engagement import LONG_TOKENS


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS) | {"free_gold_daily_cap": 150}


async def test_rewards_pay_up_to_the_daily_cap_and_the_cap_renews_the_next_day(client: httpx.AsyncClient,
                                                                               clock: Clock) -> None:
    player = await signup(client)
    start = await player.gold()
    claim = (await player.post("/api/streak/claim")).json()
    assert claim["gold"] == 120 and await player.gold() == start + 120  # streak day 1: min(100 + 20, 300)
    spin = await player.post("/api/games/slot/spin", json={"bet": 10})
    assert spin.status_code == 200, spin.text
    after_spin = spin.json()["balance"]
    missions = {m["code"]: m for m in (await player.get("/api/missions")).json()["items"]}
    play = (await player.post(f"/api/missions/{missions['daily_play_1']['id']}/claim")).json()
    assert play["reward"]["gold"] == 30 and play["balance"] == after_spin + 30  # 50 capped at 150 - 120
    for _ in range(4):
        await player.post("/api/games/slot/spin", json={"bet": 10})
    capped = (await player.post(f"/api/missions/{missions['daily_slot_5']['id']}/claim")).json()
    assert capped["reward"]["gold"] == 0 and capped["reward"]["xp"] == 50  # XP is not capped
    rewards = (await player.get("/api/rewards")).json()["items"]
    assert [r["gold"] for r in rewards] == [0, 30, 120]
    clock.advance(timedelta(days=1))
    assert (await player.post("/api/streak/claim")).json()["gold"] == 140  # a new day: day 2 pays in full
