"""Gacha over HTTP: costs, published config, items into the inventory, pity carried between pulls."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from casino_club.fairness.engine import outcome_floats
from casino_club.fairness.models import SeedPair
from casino_club.games.models import GachaPity, GameRound
from casino_club.games.rules import gacha
from casino_club.kit.runtime import Runtime
from tests.support.api import signup
from tests.support.ledger import fund


async def _fund(rt: Runtime, user_id: int, amount: int) -> None:
    await fund(rt, {user_id: amount})


async def test_config_is_published_and_consistent(client: httpx.AsyncClient) -> None:
    config = (await client.get("/api/games/gacha/config")).json()
    assert config["costs"] == {"single": 500, "ten": 4500}
    assert config["odds"] == {"common": 0.82, "rare": 0.135, "epic": 0.04, "legendary": 0.005}
    assert sum(config["odds_per_10000"].values()) == 10_000
    assert config["pity"]["legendary_guaranteed_by"] == 90
    assert config == gacha.config()


async def test_single_and_ten_pull_grant_items_and_charge(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    await _fund(rt, player.user_id, 5000)
    single = await player.post("/api/games/gacha/pull", json={"count": 1})
    assert single.status_code == 200, single.text
    ten = await player.post("/api/games/gacha/pull", json={"count": 10})
    assert ten.status_code == 200, ten.text
    assert ten.json()["balance"] == 6000 - 500 - 4500 == await player.gold()
    pulled: dict[str, int] = {}
    for body in (single.json(), ten.json()):
        assert body["payout"] == 0 and body["result"] == "item"
        fair = body["fairness"]
        async with rt.sessionmaker() as session:
            seed = (await session.execute(select(SeedPair.server_seed).where(
                SeedPair.id == fair["seed_pair_id"]))).scalar_one()
        count = body["params"]["count"]
        expected = gacha.pull(outcome_floats(seed, fair["client_seed"], fair["nonce"], 2 * count), count,
                              body["params"]["pulls_since_legendary"])
        assert body["outcome"] == gacha.outcome_dict(expected)
        for item in expected.items:
            pulled[item.id] = pulled.get(item.id, 0) + 1
    ten_items = ten.json()["outcome"]["items"]
    assert len(ten_items) == 10 and any(i["rarity"] != "common" for i in ten_items)
    inventory = {i["item_id"]: i["quantity"] for i in (await player.get("/api/inventory")).json()["items"]}
    assert inventory == pulled  # stacked by item
    stats = (await player.get("/api/games/stats/me")).json()["games"]["gacha"]
    assert stats["rounds"] == 2 and stats["wagered"] == 5000 and stats["won"] == 0


async def test_pity_guarantees_legendary_by_90th_pull(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    assert (await player.post("/api/games/gacha/pull", json={"count": 1})).status_code == 200
    # Put the stored counter at 89 pulls without a legendary: the next pull must be legendary.
    async with rt.transaction() as session:
        await session.execute(update(GachaPity).where(GachaPity.user_id == player.user_id)
                              .values(pulls_since_legendary=89))
    response = await player.post("/api/games/gacha/pull", json={"count": 1})
    body = response.json()
    assert body["params"]["pulls_since_legendary"] == 89
    assert body["outcome"]["items"][0]["rarity"] == "legendary"
    assert body["outcome"]["new_pulls_since_legendary"] == 0
    async with rt.sessionmaker() as session:
        pity = (await session.execute(select(GachaPity).where(GachaPity.user_id == player.user_id))).scalar_one()
    assert pity.pulls_since_legendary == 0 and pity.total_pulls == 2


@pytest.mark.parametrize("count", [0, 2, 5, 11, -1])
async def test_bad_count_is_422(client: httpx.AsyncClient, rt: Runtime, count: int) -> None:
    player = await signup(client)
    response = await player.post("/api/games/gacha/pull", json={"count": count})
    assert response.status_code == 422 and response.json()["error"]["code"] == "INVALID_PULL_COUNT"
    assert (await player.post("/api/games/gacha/pull", json={"count": "10"})).status_code == 422
    assert await player.gold() == 1000


async def test_ten_pull_without_gold_is_409(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    response = await player.post("/api/games/gacha/pull", json={"count": 10})
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    assert await player.gold() == 1000
    assert (await player.get("/api/inventory")).json()["items"] == []
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(GameRound))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(GachaPity))).scalar_one() == 0
