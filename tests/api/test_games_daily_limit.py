"""Per-rank daily bet caps: slot, RPS and crash bets past the cap → 409 DAILY_BET_LIMIT, nothing written."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import update

from casino_club.auth.models import User
from casino_club.config import Settings
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.wallet.verify import verify_ledger
from tests.support.api import Player, signup


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"daily_bet_limits": {"STANDARD": 100}}


async def _rounds(player: Player) -> int:
    return len((await player.get("/api/games/history")).json()["items"])


async def test_cap_counts_every_bet_of_the_day_and_resets_at_local_midnight(
        client: httpx.AsyncClient, rt: Runtime, clock: Clock) -> None:
    midnight = clock.local_midnight_utc(clock.today() + timedelta(days=1))
    clock.advance(midnight - clock.now() - timedelta(minutes=5))  # late evening, operator time
    player = await signup(client)
    assert (await player.post("/api/games/slot/spin", json={"bet": 50})).status_code == 200
    assert (await player.post("/api/games/rps/play", json={"bet": 30, "choice": "rock"})).status_code == 200
    gold, rounds = await player.gold(), await _rounds(player)

    over = await player.post("/api/games/slot/spin", json={"bet": 30})
    assert over.status_code == 409, over.text
    error = over.json()["error"]
    assert error["code"] == "DAILY_BET_LIMIT"
    assert error["details"] == {"rank": "STANDARD", "limit": 100, "bet_today": 80, "remaining": 20}
    assert "100" in error["message"] and "20" in error["message"]
    assert await player.gold() == gold and await _rounds(player) == rounds  # nothing of the round was written

    crash = await player.post("/api/games/crash/bet", json={"bet": 20})  # exactly up to the cap
    assert crash.status_code == 200, crash.text
    refused = await player.post("/api/games/rps/play", json={"bet": 10, "choice": "paper"})
    assert refused.status_code == 409 and refused.json()["error"]["details"]["remaining"] == 0
    refused_crash = await player.post("/api/games/crash/bet", json={"bet": 10})
    assert refused_crash.status_code == 409 and refused_crash.json()["error"]["code"] == "DAILY_BET_LIMIT"
    # Gacha pulls have a fixed price: they are not bets and are not capped.
    assert (await player.post("/api/games/gacha/pull", json={"count": 1})).status_code == 200

    clock.advance(midnight - clock.now() + timedelta(seconds=1))  # a new day (the session is still valid)
    again = await player.post("/api/games/slot/spin", json={"bet": 100})
    assert again.status_code == 200, again.text
    async with rt.sessionmaker() as session:
        report = await verify_ledger(session)
    assert report.ok, report.problems


async def test_only_capped_ranks_are_limited(client: httpx.AsyncClient, rt: Runtime) -> None:
    premium, standard = await signup(client), await signup(client)
    async with rt.sessionmaker() as session:
        await session.execute(update(User).where(User.id == premium.user_id).values(rank="PREMIUM"))
        await session.commit()
    for _ in range(3):  # 150 gold: over STANDARD's cap, PREMIUM has none
        assert (await premium.post("/api/games/slot/spin", json={"bet": 50})).status_code == 200
    assert (await standard.post("/api/games/slot/spin", json={"bet": 100})).status_code == 200
    assert (await standard.post("/api/games/slot/spin", json={"bet": 10})).status_code == 409
    async with rt.sessionmaker() as session:
        report = await verify_ledger(session)
    assert report.ok, report.problems


@pytest.mark.parametrize("limits", [{"GOLD": 100}, {"STANDARD": 0}])
def test_limits_setting_rejects_unknown_ranks_and_non_positive_caps(limits: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="daily_bet_limits"):
        Settings(daily_bet_limits=limits)
