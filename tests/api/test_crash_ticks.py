"""Live crash progress over the WebSocket: `crash_tick` frames to every tab, never past the crash point."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from casino_club.games.crash_ticks import tick_once
from casino_club.games.models import CrashRound
from casino_club.games.rules import crash
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup
from tests.support.ws import Sock, open_synced, serve_in_process

SECRET_KEYS = {"crash_point", "crash_point_x100", "crash_x100", "crash_word", "round_word"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"crash_tick_interval_s": 0.05}


@pytest.fixture
async def ws_base(app_rt: tuple[object, Runtime]) -> AsyncIterator[str]:
    async with serve_in_process(app_rt[0]) as base:
        yield base


async def _open_round(player: Player, rt: Runtime, clock: Clock) -> CrashRound:
    """A crash round with a crash point of at least 2.00x, server time held at its start."""
    for _ in range(40):
        bet = await player.post("/api/games/crash/bet", json={"bet": 100})
        assert bet.status_code == 200, bet.text
        async with rt.sessionmaker() as session:
            row = (await session.execute(select(CrashRound).where(
                CrashRound.round_id == bet.json()["round_id"]))).scalar_one()
        if row.crash_x100 >= 200 and row.status == "open":
            clock.advance(row.started_at - clock.now())  # the settler cannot consider it due from here on
            async with rt.sessionmaker() as session:
                still = (await session.execute(select(CrashRound.status).where(
                    CrashRound.round_id == row.round_id))).scalar_one()
            if still == "open":
                return row
        # Let the settler end it before the next bet; just past its end, so 40 tries stay inside the 15-minute token.
        clock.advance(max(row.due_at - clock.now(), timedelta(0)) + timedelta(seconds=1))
        await player.post("/api/games/crash/cashout", json={"round_id": bet.json()["round_id"]})
    pytest.fail("no crash point >= 2.00x in 40 rounds")


async def _ticks(tab: Sock, round_id: int, n: int, from_s: float) -> list[dict[str, Any]]:
    """The next n ticks of the round sent at least `from_s` into it (earlier ones were queued before)."""
    ticks: list[dict[str, Any]] = []
    while len(ticks) < n:
        frame = await tab.recv(5.0)
        if frame["type"] == "crash_tick" and frame["data"]["round_id"] == round_id:
            assert frame["data"]["elapsed_ms"] < 1000 or frame["data"]["elapsed_ms"] >= from_s * 1000 - 10
            if frame["data"]["elapsed_ms"] >= from_s * 1000 - 10:
                ticks.append(frame)
    return ticks


async def test_open_round_ticks_reach_every_tab_and_stop_at_the_crash(
        client: httpx.AsyncClient, rt: Runtime, clock: Clock, ws_base: str) -> None:
    player = await signup(client)
    tab1, _ = await open_synced(ws_base, player.access_token)
    tab2, _ = await open_synced(ws_base, player.access_token)
    row = await _open_round(player, rt, clock)
    crash_at = crash.seconds_until(row.crash_x100 / 100)
    clock.advance(timedelta(seconds=crash_at / 2))  # halfway up the curve

    for tab in (tab1, tab2):
        for tick in await _ticks(tab, row.round_id, 3, crash_at / 2):
            assert tick["seq"] is None  # live only: not stored, never replayed
            data = tick["data"]
            assert not SECRET_KEYS & set(data)
            assert data["stake"] == 100 and data["growth_rate"] == crash.GROWTH_RATE
            elapsed = data["elapsed_ms"] / 1000
            assert crash_at / 2 - 0.01 <= elapsed < crash_at
            assert data["multiplier"] == round(crash.multiplier_at(elapsed), 2)
            assert data["multiplier"] * 100 < row.crash_x100
            # The whole part of stake x m: fair rounding may add 1 gold only at the real cash-out.
            assert data["payout"] == math.floor(crash.cashout_value(100, crash.multiplier_at(elapsed)))

    clock.advance(timedelta(seconds=crash_at))  # past the crash point: never a tick above it
    assert await tick_once(rt) == 0
    ended = None
    while ended is None:  # the settler ends the round; its game_update closes the stream of ticks
        frame = await tab1.recv(10.0)
        if frame["type"] == "game_update" and frame["data"]["round_id"] == row.round_id:
            ended = frame
        elif frame["type"] == "crash_tick":
            assert frame["data"]["multiplier"] * 100 < row.crash_x100
    assert ended["data"]["status"] == "settled" and ended["data"]["result"] == "lose"
    later = [f for f in await tab1.silent(0.3) if f["type"] == "crash_tick"]
    assert later == []


async def test_no_ticks_without_an_open_round(client: httpx.AsyncClient, rt: Runtime,
                                                                ws_base: str) -> None:
    player = await signup(client)
    tab, _ = await open_synced(ws_base, player.access_token)
    assert await tick_once(rt) == 0
    assert [f for f in await tab.silent(0.3) if f["type"] == "crash_tick"] == []
