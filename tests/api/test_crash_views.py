"""The crash round JSON of a bet / cash-out answer and its game_update event equals GET of that round at the same moment.

Two code paths build it (the settlement plans' view_json, the GET endpoint's pydantic view); the clock is held
still so `server_time` and `elapsed_seconds` match too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from casino_club.games.models import CrashRound
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup
from tests.support.engagement import events_of
from tests.support.ws import open_synced, serve_in_process

PLAY_ONLY = {"balance", "xp", "level"}  # what a bet / cash-out answer (and its event) adds to the round


class Frozen:
    """Holds the shared clock at one instant until moved."""

    def __init__(self, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def move(self, to: datetime) -> None:
        self.at = to


@pytest.fixture
def frozen(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Frozen:
    return Frozen(clock, monkeypatch)


async def _row(rt: Runtime, round_id: int) -> CrashRound:
    async with rt.sessionmaker() as session:
        return (await session.execute(select(CrashRound).where(CrashRound.round_id == round_id))).scalar_one()


async def _get(player: Player, round_id: int) -> dict[str, Any]:
    response = await player.get(f"/api/games/crash/rounds/{round_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def _event(rt: Runtime, player: Player, round_id: int) -> dict[str, Any]:
    """The round's latest game_update event."""
    events = [e["data"] for e in await events_of(rt, player.user_id, "game_update") if e["data"]["round_id"] == round_id]
    assert events, "no game_update for the round"
    return events[-1]


def _round(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in PLAY_ONLY}


async def _bet(player: Player, rt: Runtime, body: dict[str, Any], min_x100: int) -> tuple[dict[str, Any], CrashRound]:
    """A bet whose crash point is at least min_x100 (smaller ones are retried)."""
    for _ in range(30):
        response = await player.post("/api/games/crash/bet", json=body)
        assert response.status_code == 200, response.text
        row = await _row(rt, response.json()["round_id"])
        if row.crash_x100 >= min_x100:
            return response.json(), row
    pytest.fail("no crash point that high in 30 rounds")


async def _same(rt: Runtime, player: Player, answer: dict[str, Any]) -> dict[str, Any]:
    got = await _get(player, answer["round_id"])
    assert _round(answer) == got
    assert _round(await _event(rt, player, answer["round_id"])) == got
    return got


async def test_open_then_cashed_out_views_agree(client: httpx.AsyncClient, rt: Runtime, frozen: Frozen) -> None:
    player = await signup(client)
    bet, row = await _bet(player, rt, {"bet": 100}, min_x100=150)
    assert (await _same(rt, player, bet))["status"] == "open"  # at its start
    frozen.move(row.started_at + timedelta(seconds=0.5))
    running = await _get(player, row.round_id)
    assert running["status"] == "open" and running["current_multiplier"] > 1
    frozen.move(row.started_at + (row.due_at - row.started_at) / 2)
    out = await player.post("/api/games/crash/cashout", json={"round_id": row.round_id})
    assert out.status_code == 200, out.text
    got = await _same(rt, player, out.json())
    assert got["status"] == "settled" and got["result"] == "win" and got["current_multiplier"] is None


async def test_crashed_round_views_agree(client: httpx.AsyncClient, rt: Runtime, frozen: Frozen) -> None:
    player = await signup(client)
    bet, row = await _bet(player, rt, {"bet": 100}, min_x100=101)
    frozen.move(row.due_at + timedelta(seconds=1))
    got = await _get(player, row.round_id)  # past due: the GET ends the round through the writer first
    assert got["status"] == "settled" and got["result"] == "lose"
    assert _round(await _event(rt, player, row.round_id)) == got
    late = await player.post("/api/games/crash/cashout", json={"round_id": row.round_id})
    assert late.status_code == 409, late.text


async def test_auto_cashout_views_agree(client: httpx.AsyncClient, rt: Runtime, frozen: Frozen) -> None:
    player = await signup(client)
    bet, row = await _bet(player, rt, {"bet": 100, "auto_cashout": 1.2}, min_x100=130)
    assert _round(bet) == await _get(player, row.round_id)
    frozen.move(row.due_at + timedelta(seconds=1))
    got = await _get(player, row.round_id)
    assert got["status"] == "settled" and got["result"] == "win"
    assert _round(await _event(rt, player, row.round_id)) == got


async def _socket_update(sock: Any, round_id: int) -> dict[str, Any]:
    """The next game_update for the round the socket delivers (other events skipped)."""
    for _ in range(20):
        for message in await sock.events(1):
            if message["type"] == "game_update" and message["data"]["round_id"] == round_id:
                return message["data"]
    raise AssertionError("no game_update on the socket")


async def test_views_on_the_websocket_agree(client: httpx.AsyncClient, rt: Runtime, app_rt: tuple[Any, Runtime],
                                            frozen: Frozen) -> None:
    player = await signup(client)
    bet, row = await _bet(player, rt, {"bet": 100}, min_x100=150)
    async with serve_in_process(app_rt[0]) as base:
        sock, _ = await open_synced(base, player.access_token)
        try:
            again = await player.post("/api/games/crash/bet", json={"bet": 100})
            assert again.status_code == 200, again.text
            opened = await _socket_update(sock, again.json()["round_id"])
            assert _round(opened) == _round(again.json()) == await _get(player, again.json()["round_id"])
            frozen.move(row.started_at + (row.due_at - row.started_at) / 2)
            out = await player.post("/api/games/crash/cashout", json={"round_id": row.round_id})
            assert out.status_code == 200, out.text
            pushed = await _socket_update(sock, row.round_id)
            assert _round(pushed) == _round(out.json()) == await _get(player, row.round_id)
        finally:
            await sock.close()
