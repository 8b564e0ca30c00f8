"""Settlement groups of two instances (two in flight on each) on the same players read each other's commits.

A group's read must see everything an earlier group committed for its players, not only the rows it locks:
gacha pity, stored answers and streak days are read without a lock. Each gacha round records the pity it was
drawn with, so a stale read shows up as a round whose pity does not follow from the round before it.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from tests.reliability.support import (
    ServerSet,
    auth,
    db_rows,
    ledger_verify_cli,
    new_key,
    scale,
    signup_at,
)
from tests.support.databases import REDIS_URL

PLAYERS = 3
STARTING_GOLD = 1_000_000


async def test_pity_chain_and_balance_hold_under_two_instances(pg_url: str, server_set: ServerSet) -> None:
    pulls_each = scale(60, 200)
    prefix = f"casino-par:{time.time_ns()}:"
    servers = [server_set.make(pg_url, REDIS_URL, name=f"api{i}", redis_prefix=prefix, starting_gold=str(STARTING_GOLD))
               for i in range(2)]
    await asyncio.gather(*(server_set.start(s) for s in servers))
    bases = [s.url for s in servers]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        players = [await signup_at(client, bases[i % 2]) for i in range(PLAYERS)]

        async def pull(player_index: int, n: int) -> httpx.Response:
            player = players[player_index]
            return await client.post(f"{bases[n % 2]}/api/games/gacha/pull", json={"count": 1},
                                     headers=auth(player, new_key()))

        answers = await asyncio.gather(*(pull(i, n) for n in range(pulls_each) for i in range(PLAYERS)))
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers if a.status_code != 200][:3]

    for player in players:
        rounds = await db_rows(pg_url, "SELECT nonce, stake, params, outcome FROM game_rounds WHERE user_id = :u "
                                       "AND game = 'gacha' ORDER BY nonce", u=player.user_id)
        assert [r[0] for r in rounds] == list(range(pulls_each))  # one nonce per round, none skipped or reused
        pity = 0
        for nonce, _, params, outcome in rounds:
            params = params if isinstance(params, dict) else json.loads(params)
            outcome = outcome if isinstance(outcome, dict) else json.loads(outcome)
            assert params["pulls_since_legendary"] == pity, f"round {nonce} drew with a stale pity"
            pity = outcome["new_pulls_since_legendary"]
        stored = await db_rows(pg_url, "SELECT pulls_since_legendary, total_pulls FROM gacha_pity WHERE user_id = :u",
                               u=player.user_id)
        assert [tuple(r) for r in stored] == [(pity, pulls_each)]
        balance = await db_rows(pg_url, "SELECT balance FROM accounts WHERE user_id = :u", u=player.user_id)
        assert balance[0][0] == STARTING_GOLD - sum(r[1] for r in rounds)
    code, output = await asyncio.to_thread(ledger_verify_cli, pg_url)
    assert code == 0, output
