"""The settlement writer: rounds settled in groups write exactly what rounds settled one at a time write.

Two players get the same server seed and client seed, so nonce n gives both the same outcome. One plays
with grouping on (concurrent requests settle together), the other with groups of one (one transaction
per round, the same code). Rounds, balances, ledger transfers, stats, XP and level-ups, mission progress (including a
claimed mission that keeps counting) and the outbox events must then be identical, ids and times aside.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from casino_club.auth.schemas import Profile
from casino_club.fairness.models import SeedPair
from casino_club.games.models import GameRound, GameStats
from casino_club.games.schemas import PlayOut
from casino_club.kit.runtime import Runtime
from casino_club.missions.models import MissionProgress
from casino_club.wallet.models import Account, Transfer
from tests.support.api import Player, key, signup
from tests.support.engagement import LONG_TOKENS, events_of

VOLATILE = {"reward_id", "receipt_code", "round_id", "created_at", "settled_at", "seed_pair_id", "id", "site_id", "nickname",
            "last_login", "started_at", "server_time", "today", "period_start", "request_id"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)


def _stable(value: Any) -> Any:
    """The value without ids and timestamps (they differ between two players by design)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


async def _batches(client: httpx.AsyncClient) -> tuple[float, float]:
    text = (await client.get("/metrics")).text
    count = re.search(r"^casino_round_batch_size_count (\S+)$", text, re.M)
    total = re.search(r"^casino_round_batch_size_sum (\S+)$", text, re.M)
    return (float(count.group(1)) if count else 0.0, float(total.group(1)) if total else 0.0)


async def _play(player: Player, rounds: int) -> list[httpx.Response]:
    """Concurrent 1,000-gold spins, then RPS rounds one after another (win, draw or loss by the seed)."""
    spins = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 1000}) for _ in range(rounds)])
    rps = [await player.post("/api/games/rps/play", json={"bet": 100, "choice": c})
           for c in ("rock", "paper", "scissors", "rock")]
    return [*spins, *rps]


async def _state(rt: Runtime, user_id: int) -> dict[str, Any]:
    async with rt.sessionmaker() as session:
        rounds = (await session.execute(select(GameRound.game, GameRound.nonce, GameRound.stake, GameRound.payout,
                                               GameRound.result, GameRound.params, GameRound.outcome)
                                        .where(GameRound.user_id == user_id).order_by(GameRound.nonce))).all()
        account = (await session.execute(select(Account).where(Account.user_id == user_id))).scalar_one()
        transfers = (await session.execute(select(Transfer.reason, Transfer.amount, Transfer.debit_balance_after,
                                                  Transfer.credit_balance_after).where(
            (Transfer.debit_account_id == account.id) | (Transfer.credit_account_id == account.id))
            .order_by(Transfer.id))).all()
        stats = (await session.execute(select(GameStats).where(GameStats.user_id == user_id)
                                       .order_by(GameStats.game))).scalars().all()
        missions = (await session.execute(select(MissionProgress.template_id, MissionProgress.value,
                                                 MissionProgress.completed_at.is_not(None))
                                          .where(MissionProgress.user_id == user_id)
                                          .order_by(MissionProgress.template_id))).all()
    return {
        "rounds": [(*r[:-1], _stable(r[-1])) for r in rounds],  # a crash outcome carries its start time
        "balance": account.balance,
        "transfers": [tuple(t) for t in transfers],
        "stats": [(s.game, s.rounds, s.wins, s.losses, s.ties, s.wagered, s.won, s.biggest_win,
                   s.highest_multiplier_x100) for s in stats],
        "missions": [tuple(m) for m in missions],
        "events": [(e["type"], _stable(e["data"])) for e in await events_of(rt, user_id)],
    }


async def test_batched_rounds_write_exactly_what_one_by_one_rounds_write(
        client: httpx.AsyncClient, rt: Runtime, admin: Player, monkeypatch: pytest.MonkeyPatch) -> None:
    players = [await signup(client), await signup(client)]
    for p in players:
        assert (await admin.post(f"/api/admin/users/{p.user_id}/gold/grant",
                                 json={"amount": 30_000, "reason": "batch test"})).status_code == 200
        assert (await p.put("/api/fairness/client-seed", json={"client_seed": "same-seed"})).status_code == 200
    async with rt.transaction() as session:  # the same secret server seed for both players
        first = (await session.execute(select(SeedPair).where(SeedPair.active_user_id == players[0].user_id))).scalar_one()
        await session.execute(update(SeedPair).where(SeedPair.active_user_id == players[1].user_id).values(
            server_seed=first.server_seed, server_seed_hash=first.server_seed_hash))

    results: dict[int, list[httpx.Response]] = {}
    for p, batching in zip(players, (True, False), strict=True):
        monkeypatch.setattr(rt.settings, "round_batching", batching)
        before = await _batches(client)
        warm = await _play(p, 6)  # 6 spins: daily_slot_5 completes on the 5th
        missions = {m["code"]: m for m in (await p.get("/api/missions")).json()["items"]}
        claim = await p.post(f"/api/missions/{missions['daily_slot_5']['id']}/claim")
        assert claim.status_code == 200, claim.text
        results[p.user_id] = [*warm, *await _play(p, 14)]  # 14 more: level-ups at 500-XP steps
        after = await _batches(client)
        # 28 rounds and the mission claim, every one settled by the settlement writer
        if batching:  # several plans per group
            assert after[1] - before[1] == 29 and after[0] - before[0] < 29, (before, after)
        else:  # groups of one
            assert after[1] - before[1] == 29 and after[0] - before[0] == 29, (before, after)
    a, b = players
    assert all(r.status_code == 200 for r in results[a.user_id] + results[b.user_id])
    state_a, state_b = await _state(rt, a.user_id), await _state(rt, b.user_id)
    for i, (ea, eb) in enumerate(zip(state_a["events"], state_b["events"], strict=True)):
        assert ea == eb, (i, ea, eb)
    assert state_a == state_b
    assert len(state_a["rounds"]) == 28 and any(t == "level_up" for t, _ in state_a["events"])
    assert any(t == "event_progress" for t, _ in state_a["events"])
    def by_nonce(responses: list[httpx.Response]) -> list[Any]:
        return sorted((_stable(r.json()) for r in responses), key=lambda body: body["fairness"]["nonce"])

    assert by_nonce(results[a.user_id]) == by_nonce(results[b.user_id])
    # The group commit writes answers and profiles without the models: they must be exactly what the models
    # render (times included, which the comparison above leaves out).
    for response in results[a.user_id]:
        assert PlayOut.model_validate(response.json()).model_dump(mode="json") == response.json()
    profiles = [e["data"] for e in await events_of(rt, a.user_id, "profile_update")]
    assert profiles and all(Profile.model_validate(p).model_dump(mode="json") == p for p in profiles)


async def test_batched_errors_and_replays_match_the_one_round_path(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    assert (await player.post("/api/games/slot/spin", json={"bet": 10})).status_code == 200
    k = key()
    first, again = await asyncio.gather(player.post("/api/games/slot/spin", json={"bet": 10}, idem=k),
                                        player.post("/api/games/slot/spin", json={"bet": 10}, idem=k))
    assert {first.status_code, again.status_code} <= {200, 409}
    replay = await player.post("/api/games/slot/spin", json={"bet": 10}, idem=k)
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    winner = first if first.status_code == 200 else again
    assert replay.json() == winner.json()
    reused = await player.post("/api/games/slot/spin", json={"bet": 20}, idem=k)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    gold = await player.gold()
    broke = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": gold}) for _ in range(3)])
    codes = sorted(r.status_code for r in broke)
    assert codes.count(200) >= 1 and set(codes) <= {200, 409}
    assert {r.json()["error"]["code"] for r in broke if r.status_code == 409} <= {"INSUFFICIENT_GOLD"}
    async with rt.sessionmaker() as session:
        rounds = (await session.execute(select(GameRound.nonce).where(GameRound.user_id == player.user_id)
                                        .order_by(GameRound.nonce))).scalars().all()
    assert list(rounds) == list(range(len(rounds)))  # a refused round consumed no nonce
    out = await player.post("/api/auth/logout", json={})
    assert out.status_code in (200, 204)
    late = await player.post("/api/games/slot/spin", json={"bet": 10})
    assert late.status_code == 401


@pytest.mark.parametrize("backend", ["pg"], indirect=True)  # only a database server can end a connection
async def test_a_kept_group_commit_connection_that_died_is_replaced(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    assert (await player.post("/api/games/slot/spin", json={"bet": 10})).status_code == 200  # creates the seed pair
    await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(4)])
    async with rt.engine.connect() as conn:  # the database ends every other connection, the batcher's kept one too
        await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    spins = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(4)])
    assert [r.status_code for r in spins] == [200] * 4, [r.text for r in spins]
    before = await _batches(client)
    again = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(4)])
    assert [r.status_code for r in again] == [200] * 4
    after = await _batches(client)
    assert after[1] - before[1] == 4, "after the failed group, rounds settle in group commits again"
    async with rt.sessionmaker() as session:
        nonces = (await session.execute(select(GameRound.nonce).where(GameRound.user_id == player.user_id)
                                        .order_by(GameRound.nonce))).scalars().all()
    assert list(nonces) == list(range(13))  # every answered round written once, none lost or repeated


MIXED: list[tuple[str, dict[str, Any], str | None]] = [
    *[("/api/games/slot/spin", {"bet": 100}, None) for _ in range(5)],
    ("/api/games/rps/play", {"bet": 100, "choice": "paper"}, None),
    ("/api/games/gacha/pull", {"count": 1}, None),
    ("/api/streak/claim", {}, None),
    ("/api/games/slot/spin", {"bet": 200}, "same-key"),
    ("/api/games/slot/spin", {"bet": 200}, "same-key"),  # a replay of the line above, in the same group
    ("/api/games/slot/spin", {"bet": 100_000}, None),  # more than the balance can ever be here: 409
    ("/api/games/slot/spin", {"bet": 5}, None),  # below the minimum: 422 before it is queued
    ("/api/games/gacha/pull", {"count": 10}, None),
    ("/api/streak/claim", {}, None),  # the second claim of the day: 409 ALREADY_CLAIMED
    ("/api/games/crash/bet", {"bet": 100, "auto_cashout": 500}, None),
]


def _anchor(path: str, response: httpx.Response, events: list[dict[str, Any]]) -> int | None:
    """The seq of the event that marks where a request was applied (None: it changed nothing)."""
    if response.status_code != 200 or response.headers.get("Idempotent-Replayed") == "true":
        return None
    body = response.json()
    for e in events:
        if path == "/api/streak/claim" and e["type"] == "reward_granted" and e["data"].get("reward_id") == body["reward_id"]:
            return int(e["seq"])
        if e["type"] == "game_update" and e["data"].get("round_id") == body.get("round_id"):
            return int(e["seq"])
    raise AssertionError(f"no event for {path} {body}")


async def test_mixed_requests_settled_in_groups_equal_the_same_requests_settled_one_at_a_time(
        client: httpx.AsyncClient, rt: Runtime, admin: Player, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several kinds, invalid ones and replays: grouped, then again one by one in the order the groups applied them."""
    players = [await signup(client), await signup(client)]
    for p in players:
        assert (await admin.post(f"/api/admin/users/{p.user_id}/gold/grant",
                                 json={"amount": 20_000, "reason": "mixed test"})).status_code == 200
        assert (await p.put("/api/fairness/client-seed", json={"client_seed": "same-seed"})).status_code == 200
    async with rt.transaction() as session:
        first = (await session.execute(select(SeedPair).where(SeedPair.active_user_id == players[0].user_id))).scalar_one()
        await session.execute(update(SeedPair).where(SeedPair.active_user_id == players[1].user_id).values(
            server_seed=first.server_seed, server_seed_hash=first.server_seed_hash))
    grouped, alone = players

    def send(p: Player, item: tuple[str, dict[str, Any], str | None], run: str) -> Any:
        path, body, k = item
        return p.post(path, json=body, idem=f"{run}-{k}" if k else True)

    before = await _batches(client)
    answers = await asyncio.gather(*[send(grouped, item, "a") for item in MIXED])
    after = await _batches(client)
    assert after[0] - before[0] < after[1] - before[1], "the concurrent requests shared groups"
    events = await events_of(rt, grouped.user_id)
    # Requests that changed nothing (errors, replays) go last: a repeat claim or key must follow the first.
    order = sorted(range(len(MIXED)), key=lambda i: (_anchor(MIXED[i][0], answers[i], events) or 10**9, i))
    monkeypatch.setattr(rt.settings, "round_batching", False)  # groups of one, the same code
    replayed: dict[int, httpx.Response] = {}
    for i in order:
        replayed[i] = await send(alone, MIXED[i], "b")
    codes = [(r.status_code, r.json().get("error", {}).get("code")) for r in answers]
    assert codes == [(replayed[i].status_code, replayed[i].json().get("error", {}).get("code"))
                     for i in range(len(MIXED))]
    assert sorted(c for c, _ in codes) == [200] * 12 + [409, 409, 422]
    assert answers[8].json() == answers[9].json() and "true" in (answers[8].headers.get("Idempotent-Replayed"),
                                                                 answers[9].headers.get("Idempotent-Replayed"))
    assert [_stable(answers[i].json()) for i in order] == [_stable(replayed[i].json()) for i in order]
    state_a, state_b = await _state(rt, grouped.user_id), await _state(rt, alone.user_id)
    assert state_a == state_b
    assert any(t == "reward_granted" for t, _ in state_a["events"]) and len(state_a["rounds"]) == 10
