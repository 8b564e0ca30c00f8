"""Crash over HTTP: server-time cash-outs, secret crash point, auto cash-out, settlement across restarts."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from casino_club.app import create_app
from casino_club.config import Settings
from casino_club.fairness.engine import word_float
from casino_club.games.models import CrashRound, GameRound
from casino_club.games.rules import crash
from casino_club.games.service_crash import settle_due_rounds
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.outbox.models import OutboxEvent
from casino_club.wallet.verify import verify_ledger
from tests.support.api import Player, signup


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def _crash_row(rt: Runtime, round_id: int) -> CrashRound:
    async with rt.sessionmaker() as session:
        return (await session.execute(select(CrashRound).where(CrashRound.round_id == round_id))).scalar_one()


async def _open_round(player: Player, rt: Runtime, clock: Clock, body: dict[str, Any],
                      min_crash_x100: int = 101) -> tuple[dict[str, Any], CrashRound]:
    """Bet, then hold server time at the round's start so it stays open; retry tiny crash points."""
    for _ in range(20):
        bet = await player.post("/api/games/crash/bet", json=body)
        assert bet.status_code == 200, bet.text
        row = await _crash_row(rt, bet.json()["round_id"])
        if row.crash_x100 < min_crash_x100:
            continue
        clock.advance(row.started_at - clock.now())  # from here on the settler cannot consider it due
        if (await _crash_row(rt, row.round_id)).status == "open":
            return bet.json(), row
        clock.advance(timedelta(seconds=1))  # it crashed (and was settled) before the clock moved back
    pytest.fail("no suitable crash point in 20 rounds")


async def test_cashout_before_crash_pays_fair_rounded_stake_times_m(client: httpx.AsyncClient, rt: Runtime, app_rt: tuple[Any, Runtime],
                                                                   clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 100}, min_crash_x100=120)
    base = bet["balance"]  # earlier attempts (tiny crash points) were paid for too
    assert bet["status"] == "open" and bet["payout"] == 0
    halfway = crash.seconds_until(row.crash_x100 / 100) / 2
    clock.advance(timedelta(seconds=halfway))
    response = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    m = body["outcome"]["cashout_multiplier"]
    assert crash.multiplier_at(halfway) <= m < row.crash_x100 / 100
    # stake x m, stake included, plus 1 gold iff the round's rounding float is below the fraction.
    assert row.round_word is not None
    assert body["payout"] == crash.cashout_payout(100, m, word_float(row.round_word)) >= 100
    assert body["payout"] - math.floor(100 * Fraction(m)) == int(word_float(row.round_word) < 100 * Fraction(m) % 1)
    assert body["status"] == "settled" and body["outcome"]["crash_point_x100"] == row.crash_x100
    assert body["balance"] == base + body["payout"] == await player.gold()
    again = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ROUND_ALREADY_SETTLED"
    assert await player.gold() == base + body["payout"]
    stats = (await player.get("/api/games/stats/me")).json()
    assert stats["games"]["crash"]["won"] >= body["payout"] and stats["games"]["crash"]["wins"] >= 1
    assert stats["highest_crash_multiplier"] == math.floor(m * 100) / 100
    # After a rotation anyone can recompute the manual cash-out from the seeds and its multiplier.
    clock.advance(timedelta(seconds=200))  # past any crash (1000x is reached after 115 s), tokens still valid
    await settle_due_rounds(rt, app_rt[0].state.settlement)  # earlier attempts still open on this pair would block the rotation
    seed = (await player.post("/api/fairness/rotate")).json()["revealed"]["server_seed"]
    verified = await client.post("/api/fairness/verify", json={
        "game": "crash", "server_seed": seed, "client_seed": body["fairness"]["client_seed"],
        "nonce": body["fairness"]["nonce"], "params": {"bet": 100, "cashout_multiplier": m}})
    assert verified.status_code == 200 and verified.json()["payout"] == body["payout"]


async def test_cashout_after_crash_loses(client: httpx.AsyncClient, rt: Runtime, clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 200})
    clock.advance(timedelta(seconds=crash.seconds_until(row.crash_x100 / 100) + 0.5))
    response = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "ROUND_CRASHED" and error["details"]["crash_point"] == row.crash_x100 / 100
    assert await player.gold() == bet["balance"]
    view = (await player.get(f"/api/games/crash/rounds/{bet['round_id']}")).json()
    assert view["status"] == "settled" and view["result"] == "lose" and view["payout"] == 0
    assert view["outcome"]["crash_point_x100"] == row.crash_x100
    retry = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert retry.status_code == 409 and retry.json()["error"]["code"] == "ROUND_CRASHED"
    stats = (await player.get("/api/games/stats/me")).json()["games"]["crash"]
    assert stats["losses"] >= 1 and stats["wagered"] >= 200


async def test_crash_point_is_secret_until_the_round_ends(client: httpx.AsyncClient, rt: Runtime,
                                                          clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 50, "auto_cashout": 500})
    assert not {"crash_point", "crash_point_x100", "crash_x100"} & _keys(bet)
    view = (await player.get(f"/api/games/crash/rounds/{bet['round_id']}")).json()
    assert view["status"] == "open" and not {"crash_point", "crash_point_x100"} & _keys(view)
    history = (await player.get("/api/games/history", params={"game": "crash"})).json()
    assert not {"crash_point", "crash_point_x100"} & _keys(history)
    async with rt.sessionmaker() as session:
        events = list((await session.execute(select(OutboxEvent).where(
            OutboxEvent.user_id == player.user_id).order_by(OutboxEvent.seq))).scalars())
    assert any(e.type == "game_update" for e in events)
    assert not any({"crash_point", "crash_point_x100"} & _keys(e.data) for e in events)
    # Once the round is over the event that ends it reveals the point.
    clock.advance(timedelta(seconds=200))
    view = (await player.get(f"/api/games/crash/rounds/{bet['round_id']}")).json()
    assert view["status"] == "settled" and view["outcome"]["crash_point_x100"] == row.crash_x100
    async with rt.sessionmaker() as session:
        ends = [e.data for e in (await session.execute(select(OutboxEvent).where(
            OutboxEvent.user_id == player.user_id, OutboxEvent.type == "game_update"))).scalars()
            if e.data.get("status") == "settled"]
    assert [e["outcome"]["crash_point_x100"] for e in ends] == [row.crash_x100]


async def _wait_settled(rt: Runtime, round_id: int, seconds: float = 10.0) -> GameRound:
    """Poll the database (not the API, which would settle on read) until the settler ended the round."""
    for _ in range(int(seconds / 0.05)):
        async with rt.sessionmaker() as session:
            r = (await session.execute(select(GameRound).where(GameRound.id == round_id))).scalar_one()
        if r.status == "settled":
            return r
        await asyncio.sleep(0.05)
    pytest.fail(f"round {round_id} was not settled by the background settler")


async def test_auto_cashout_is_settled_by_the_server(client: httpx.AsyncClient, rt: Runtime, clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 100, "auto_cashout": 1.5})
    assert bet["params"]["auto_cashout_x100"] == 150
    clock.advance(timedelta(seconds=200))
    settled = await _wait_settled(rt, bet["round_id"])
    won = row.crash_x100 >= 150
    assert settled.payout == (150 if won else 0) and settled.result == ("win" if won else "lose")
    assert settled.outcome["ended_by"] == ("auto_cashout" if won else "crashed")
    assert await player.gold() == bet["balance"] + settled.payout


async def test_auto_cashout_wins_when_reached(client: httpx.AsyncClient, rt: Runtime, clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 100, "auto_cashout": 1.01}, min_crash_x100=101)
    clock.advance(timedelta(seconds=200))
    settled = await _wait_settled(rt, bet["round_id"])
    assert settled.payout == 101 and settled.result == "win"
    # A late manual cash-out cannot change what the server settled.
    late = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "ROUND_ALREADY_SETTLED"
    assert await player.gold() == bet["balance"] + 101


async def test_cashout_replay_and_ownership(client: httpx.AsyncClient, rt: Runtime, clock: Clock) -> None:
    player = await signup(client)
    bet, row = await _open_round(player, rt, clock, {"bet": 100}, min_crash_x100=150)
    other = await signup(client)
    stolen = await other.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]})
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "ROUND_NOT_FOUND"
    assert (await other.get(f"/api/games/crash/rounds/{bet['round_id']}")).status_code == 404
    clock.advance(timedelta(seconds=1))
    first = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]}, idem="cash-1")
    again = await player.post("/api/games/crash/cashout", json={"round_id": bet["round_id"]}, idem="cash-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await player.gold() == bet["balance"] + first.json()["payout"]
    missing = await player.post("/api/games/crash/cashout", json={"round_id": 999_999})
    assert missing.status_code == 404


@pytest.mark.parametrize("body", [
    {"bet": 10, "auto_cashout": 1.0}, {"bet": 10, "auto_cashout": 1000.01}, {"bet": 10, "auto_cashout": 1.234},
    {"bet": 10, "auto_cashout": "x"}, {"bet": 5}, {"bet": 10.0},
])
async def test_bad_crash_bets_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    player = await signup(client)
    response = await player.post("/api/games/crash/bet", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"INVALID_AUTO_CASHOUT", "BET_OUT_OF_RANGE", "VALIDATION_ERROR"}
    assert await player.gold() == 1000
    bad = await player.post("/api/games/crash/cashout", json={"round_id": "abc"})
    assert bad.status_code == 422


async def test_crash_bet_without_gold_is_409(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    response = await player.post("/api/games/crash/bet", json={"bet": 1500})
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(CrashRound))).first() is None


async def test_open_round_is_settled_after_a_restart(settings: Settings, clock: Clock) -> None:
    """Bet on one app, stop it with the round open, move time past the crash, start a new app: settled."""
    first = create_app(settings, clock, run_jobs=False)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first, client=("127.0.0.1", 50001))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            player = await signup(c)
            bet = await player.post("/api/games/crash/bet", json={"bet": 100})
            assert bet.status_code == 200 and bet.json()["status"] == "open"
            round_id = bet.json()["round_id"]
    clock.advance(timedelta(seconds=200))  # past any crash point (1000x is reached after ~115 s)
    second = create_app(settings, clock)  # with its background jobs
    async with second.router.lifespan_context(second):
        rt: Runtime = second.state.rt
        settled = await _wait_settled(rt, round_id)
        assert settled.result == "lose" and settled.payout == 0
        assert "crash_point_x100" in settled.outcome
        async with rt.sessionmaker() as session:
            report = await verify_ledger(session)
            ended = [e for e in (await session.execute(select(OutboxEvent).where(
                OutboxEvent.user_id == player.user_id, OutboxEvent.type == "game_update"))).scalars()
                if e.data.get("status") == "settled"]
        assert report.ok, report.problems
        assert len(ended) == 1 and ended[0].data["round_id"] == round_id


async def test_two_settlers_settle_each_round_once(client: httpx.AsyncClient, app_rt: tuple[Any, Runtime],
                                                  rt: Runtime, clock: Clock, settings: Settings) -> None:
    """Several instances race to settle the same due rounds: each round ends (and pays) exactly once."""
    from casino_club.fairness.service import commit_seed_pair
    from casino_club.games.service_crash import settle_due_rounds
    from casino_club.settlement.writer import SettlementWriter
    from casino_club.wallet.models import Transfer

    player = await signup(client)
    clock.advance(timedelta(hours=-1))  # hold every round open while betting
    ids = []
    for _ in range(8):
        bet = await player.post("/api/games/crash/bet", json={"bet": 100, "auto_cashout": 1.01})
        assert bet.status_code == 200, bet.text
        ids.append(bet.json()["round_id"])
    others = [Runtime.build(settings, clock) for _ in range(2)]
    writers = [app_rt[0].state.settlement, *(SettlementWriter(x, commit_seed_pair) for x in others)]
    try:
        clock.advance(timedelta(hours=1, seconds=200))
        await asyncio.gather(*(settle_due_rounds(x, w) for x, w in zip([rt, *others], writers, strict=True)))
    finally:
        for other in others:
            await other.close()
    async with rt.sessionmaker() as session:
        rows = list((await session.execute(select(GameRound).where(GameRound.id.in_(ids)))).scalars())
        payouts = list((await session.execute(select(Transfer.reference).where(
            Transfer.reason == "crash_payout"))).scalars())
        ended = [e.data["round_id"] for e in (await session.execute(select(OutboxEvent).where(
            OutboxEvent.user_id == player.user_id, OutboxEvent.type == "game_update"))).scalars()
            if e.data.get("status") == "settled"]
    assert all(r.status == "settled" for r in rows)
    assert sorted(ended) == sorted(ids)  # one end event per round
    winners = [r for r in rows if r.result == "win"]
    assert sorted(payouts) == sorted(f"round:{r.id}" for r in winners)
    assert all(r.payout == 101 for r in winners) and len(winners) >= 1
    assert await player.gold() == 1000 - 800 + sum(r.payout for r in rows)
