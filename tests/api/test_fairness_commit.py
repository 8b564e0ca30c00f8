"""Committed-next-seed scheme: a pair exists from sign-up, the next seed is committed before any client seed."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import select

from casino_club.fairness.models import SeedPair
from casino_club.kit.runtime import Runtime
from tests.support.api import signup


def _sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


async def test_pair_and_next_seed_are_committed_at_signup(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    async with rt.sessionmaker() as session:  # before any fairness request: sign-up itself committed them
        pairs = list((await session.execute(select(SeedPair).where(SeedPair.user_id == player.user_id))).scalars())
    assert len(pairs) == 1 and pairs[0].active_user_id == player.user_id and pairs[0].next_server_seed
    state = (await player.get("/api/fairness")).json()
    assert state["seed_pair_id"] == pairs[0].id and state["client_seed_by_player"] is False
    assert state["server_seed_hash"] == _sha(pairs[0].server_seed)
    assert state["next_server_seed_hash"] == _sha(pairs[0].next_server_seed)
    assert state["next_server_seed_hash"] != state["server_seed_hash"]


async def test_rotation_reveals_current_activates_committed_next_and_commits_a_new_next(
        client: httpx.AsyncClient) -> None:
    player = await signup(client)
    chosen = await player.put("/api/fairness/client-seed", json={"client_seed": "browser-made-seed"})
    assert chosen.status_code == 200 and chosen.json()["client_seed_by_player"] is True
    first = chosen.json()
    hashes = [first["server_seed_hash"], first["next_server_seed_hash"]]
    client_seed = "browser-made-seed"
    for round_no in range(3):
        spin = (await player.post("/api/games/slot/spin", json={"bet": 10})).json()
        assert spin["fairness"]["server_seed_hash"] == hashes[-2]
        body = {"client_seed": f"seed-{round_no}"} if round_no % 2 else {}
        rotated = (await player.post("/api/fairness/rotate", json=body)).json()
        assert _sha(rotated["revealed"]["server_seed"]) == hashes[-2]
        assert "next_server_seed" not in rotated["revealed"] and "next_server_seed_hash" not in rotated["revealed"]
        current = rotated["current"]
        # The new active seed is exactly the one whose hash was shown before this client seed was known.
        assert current["server_seed_hash"] == hashes[-1]
        assert current["next_server_seed_hash"] not in hashes
        client_seed = body.get("client_seed", client_seed)  # kept unless the rotation names a new one
        assert current["client_seed"] == client_seed
        assert current["client_seed_by_player"] is True and current["nonce"] == 0
        hashes.append(current["next_server_seed_hash"])
    assert (await player.get("/api/fairness")).json()["next_server_seed_hash"] == hashes[-1]
