"""Slot and rock-paper-scissors over HTTP: payouts per the rules, validation, idempotency, stats, events."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.fairness.engine import outcome_floats
from casino_club.fairness.models import SeedPair
from casino_club.games.models import GameRound
from casino_club.games.rules import rps, slot
from casino_club.kit.runtime import Runtime
from casino_club.outbox.models import OutboxEvent
from casino_club.wallet.models import Transfer
from tests.support.api import signup


async def _server_seed(rt: Runtime, pair_id: int) -> str:
    async with rt.sessionmaker() as session:
        return (await session.execute(select(SeedPair.server_seed).where(SeedPair.id == pair_id))).scalar_one()


async def test_slot_spin_pays_per_paytable_and_updates_everything(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    balance = 1000
    profits = []
    for _ in range(5):
        response = await player.post("/api/games/slot/spin", json={"bet": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        fair = body["fairness"]
        # The outcome is exactly what the rules derive from the committed seed, client seed and nonce.
        floats = outcome_floats(await _server_seed(rt, fair["seed_pair_id"]), fair["client_seed"], fair["nonce"], 4)
        expected = slot.spin(floats)
        assert body["outcome"] == slot.outcome_dict(expected)
        # Stake 100: every payout is whole, so the rounding float (the 4th) cannot change it.
        assert body["payout"] == slot.payout(100, expected, floats[3]) == 100 * expected.multiplier_x100 // 100
        balance += body["payout"] - 100
        profits.append(body["payout"] - 100)
        assert body["balance"] == balance == await player.gold()
        assert body["game"] == "slot" and body["status"] == "settled" and body["net"] == body["payout"] - 100
        assert "server_seed" not in fair or fair["server_seed"] is None
    nonces = [r["fairness"]["nonce"] for r in (await player.get("/api/games/history")).json()["items"]]
    assert nonces == [4, 3, 2, 1, 0]
    stats = (await player.get("/api/games/stats/me")).json()
    assert stats["games"]["slot"]["rounds"] == 5 and stats["games"]["slot"]["wagered"] == 500
    assert stats["games"]["slot"]["net"] == balance - 1000 == stats["totals"]["net"]
    assert stats["games"]["slot"]["biggest_win"] == max(0, *profits) == stats["totals"]["biggest_win"]
    assert stats["games"]["slot"]["wins"] == sum(1 for p in profits if p > 0)
    me = (await player.get("/api/auth/me")).json()
    assert me["xp"] == 50  # 1 XP per 10 gold wagered
    async with rt.sessionmaker() as session:
        types = list((await session.execute(select(OutboxEvent.type).where(
            OutboxEvent.user_id == player.user_id).order_by(OutboxEvent.seq))).scalars())
    assert types.count("game_update") == 5 and types.count("profile_update") >= 5
    actions = (await player.get("/api/actions/recent")).json()["items"]
    assert sum(1 for a in actions if a["kind"] == "game") == 5


@pytest.mark.parametrize("choice", ["rock", "paper", "scissors"])
async def test_rps_pays_double_refunds_draw(client: httpx.AsyncClient, rt: Runtime, choice: str) -> None:
    player = await signup(client)
    paid = 0
    balance = 1000
    for _ in range(12):
        response = await player.post("/api/games/rps/play", json={"bet": 10, "choice": choice.upper()})
        assert response.status_code == 200, response.text
        body = response.json()
        fair = body["fairness"]
        floats = outcome_floats(await _server_seed(rt, fair["seed_pair_id"]), fair["client_seed"], fair["nonce"], 2)
        expected = rps.play(floats, choice)
        assert body["outcome"]["house"] == expected.house and body["result"] == expected.result
        assert body["payout"] == {"win": 20, "draw": 10, "lose": 0}[expected.result]
        balance += body["payout"] - 10
        assert body["balance"] == balance
        paid += body["payout"]
    assert await player.gold() == balance
    stats = (await player.get("/api/games/stats/me")).json()["games"]["rps"]
    assert stats["rounds"] == 12 and stats["wins"] + stats["losses"] + stats["ties"] == 12
    assert stats["won"] == paid and stats["wagered"] == 120 and stats["net"] == balance - 1000


async def test_rps_win_on_10_turns_1000_into_1010(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    for _ in range(60):
        body = (await player.post("/api/games/rps/play", json={"bet": 10, "choice": "rock"})).json()
        if body["result"] == "win":
            before = body["balance"] - 10
            assert body["payout"] == 20 and body["balance"] == before + 10
            return
    pytest.fail("no win in 60 fair rounds")


@pytest.mark.parametrize("body", [
    {"bet": 9}, {"bet": 100_001}, {"bet": 10.5}, {"bet": "100"}, {"bet": True}, {}, {"bet": -10}, {"bet": 0},
])
async def test_bad_bets_are_422_and_write_nothing(client: httpx.AsyncClient, rt: Runtime, body: dict) -> None:
    player = await signup(client)
    response = await player.post("/api/games/slot/spin", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"BET_OUT_OF_RANGE", "VALIDATION_ERROR"}
    assert await player.gold() == 1000
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(GameRound))).scalar_one() == 0


async def test_bad_choice_is_422(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    for choice in ["lizard", "", "   "]:
        response = await player.post("/api/games/rps/play", json={"bet": 10, "choice": choice})
        assert response.status_code == 422 and response.json()["error"]["code"] == "INVALID_CHOICE"
    response = await player.post("/api/games/rps/play", json={"bet": 10})
    assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await player.gold() == 1000


async def test_insufficient_gold_is_409_and_writes_nothing(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    response = await player.post("/api/games/slot/spin", json={"bet": 1001})
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    response = await player.post("/api/games/rps/play", json={"bet": 5000, "choice": "rock"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    assert await player.gold() == 1000
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(GameRound))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Transfer).where(
            Transfer.reason != "signup_bonus"))).scalar_one() == 0
        assert (await session.execute(select(SeedPair.next_nonce).where(
            SeedPair.user_id == player.user_id))).scalar_one_or_none() in (None, 0)
    stats = (await player.get("/api/games/stats/me")).json()
    assert stats["totals"]["rounds"] == 0


async def test_spin_replay_returns_same_round_and_charges_once(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    first = await player.post("/api/games/slot/spin", json={"bet": 50}, idem="spin-key-1")
    again = await player.post("/api/games/slot/spin", json={"bet": 50}, idem="spin-key-1")
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert await player.gold() == 1000 - 50 + first.json()["payout"]
    other = await player.post("/api/games/slot/spin", json={"bet": 60}, idem="spin-key-1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(GameRound))).scalar_one() == 1
        bets = (await session.execute(select(func.count()).select_from(Transfer).where(
            Transfer.reason == "slot_bet"))).scalar_one()
    assert bets == 1
    assert (await player.get("/api/games/stats/me")).json()["games"]["slot"]["rounds"] == 1


async def test_history_paginates_and_filters(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    for _ in range(3):
        assert (await player.post("/api/games/slot/spin", json={"bet": 10})).status_code == 200
        assert (await player.post("/api/games/rps/play", json={"bet": 10, "choice": "paper"})).status_code == 200
    page1 = (await player.get("/api/games/history", params={"limit": 4})).json()
    assert len(page1["items"]) == 4 and page1["next_cursor"]
    page2 = (await player.get("/api/games/history", params={"limit": 4, "cursor": page1["next_cursor"]})).json()
    assert len(page2["items"]) == 2 and page2["next_cursor"] is None
    ids = [r["round_id"] for r in page1["items"] + page2["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    slots = (await player.get("/api/games/history", params={"game": "slot"})).json()["items"]
    assert [r["game"] for r in slots] == ["slot"] * 3
    bad = await player.get("/api/games/history", params={"game": "poker"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "UNKNOWN_GAME"
    bad_cursor = await player.get("/api/games/history", params={"cursor": "!!"})
    assert bad_cursor.status_code == 422
    other = await signup(client)
    assert (await other.get("/api/games/history")).json()["items"] == []


async def test_games_require_auth(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/games/slot/spin", json={"bet": 10})
    assert response.status_code == 401


async def test_slot_paytable_is_published(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/games/slot/paytable")
    assert r.status_code == 200
    table = r.json()
    assert table == slot.paytable()
    assert {line["symbol"]: line["multiplier_x100"] for line in table["triple"]}["seven"] == 77700
    assert sum(s["weight"] for s in table["symbols"]) == table["stops_per_reel"] == 100
