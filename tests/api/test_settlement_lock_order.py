"""Issue: a streak claim and the same player's rounds deadlocked on PostgreSQL (users then accounts vs accounts
then users). Every gold move is now a plan of the settlement writer, which locks in one order."""

from __future__ import annotations

import asyncio

import httpx

from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup


async def test_streak_claims_racing_the_same_players_bets_never_fail(client: httpx.AsyncClient, rt: Runtime,
                                                                    admin: Player) -> None:
    player = await signup(client)
    assert (await admin.post(f"/api/admin/users/{player.user_id}/gold/grant",
                             json={"amount": 50_000, "reason": "lock order"})).status_code == 200
    requests = [player.post("/api/streak/claim") for _ in range(10)]
    requests += [player.post("/api/games/crash/bet", json={"bet": 100, "auto_cashout": 2}) for _ in range(60)]
    requests += [player.post("/api/games/slot/spin", json={"bet": 100}) for _ in range(30)]
    answers = await asyncio.gather(*requests)
    claims, rounds = answers[:10], answers[10:]
    assert sorted(r.status_code for r in claims) == [200] + [409] * 9, [r.text for r in claims]
    assert {r.json()["error"]["code"] for r in claims if r.status_code == 409} == {"ALREADY_CLAIMED"}
    assert [r.status_code for r in rounds] == [200] * 90, [r.text for r in rounds if r.status_code != 200][:3]
    history = (await player.get("/api/games/history?limit=100")).json()["items"]
    assert len(history) == 90
