"""Admin reward distribution (players or a rank, capped, idempotent) and the player's reward history."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from casino_club.auth.models import User
from casino_club.inventory.service import CORE_ITEMS, STREAK_SHIELD, quantity_of, upsert_items
from casino_club.kit.runtime import Runtime
from casino_club.wallet.models import Transfer
from tests.support.api import Player, signup
from tests.support.engagement import events_of


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"reward_segment_max": 3}


async def test_distribute_to_players_is_idempotent(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    async with rt.transaction() as session:
        await upsert_items(session, CORE_ITEMS)
    a, b = await signup(client), await signup(client)
    body = {"user_ids": [a.user_id, b.user_id], "gold": 250,
            "items": [{"item_id": STREAK_SHIELD, "quantity": 2}], "reason": "점검 보상"}
    first = await admin.post("/api/admin/rewards/distribute", json=body, idem="dist-1")
    assert first.status_code == 201, first.text
    replay = await admin.post("/api/admin/rewards/distribute", json=body, idem="dist-1")
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["batch_code"] == first.json()["batch_code"] and first.json()["recipients"] == 2
    for p in (a, b):
        assert await p.gold() == 1250
        async with rt.sessionmaker() as session:
            assert await quantity_of(session, p.user_id, STREAK_SHIELD) == 2
        granted = await events_of(rt, p.user_id, "reward_granted")
        assert len(granted) == 1 and granted[0]["data"]["gold"] == 250 and granted[0]["data"]["source"] == "admin"
        history = (await p.get("/api/rewards")).json()["items"]
        assert history[0]["gold"] == 250 and history[0]["items"] == [{"item_id": STREAK_SHIELD, "quantity": 2}]
    async with rt.sessionmaker() as session:
        promos = (await session.execute(select(func.count()).select_from(Transfer).where(
            Transfer.reason == "admin_reward"))).scalar_one()
    assert promos == 2


async def test_rank_segment_and_cap(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    players = [await signup(client) for _ in range(6)]  # 2 VIP, 4 STANDARD (cap is 3)
    async with rt.transaction() as session:
        await session.execute(update(User).where(User.id.in_([p.user_id for p in players[:2]])).values(rank="VIP"))
    vip = await admin.post("/api/admin/rewards/distribute", json={"rank": "VIP", "gold": 100, "reason": "VIP 감사"})
    assert vip.status_code == 201 and sorted(vip.json()["user_ids"]) == sorted(p.user_id for p in players[:2])
    assert [await p.gold() for p in players] == [1100, 1100, 1000, 1000, 1000, 1000]
    too_many = await admin.post("/api/admin/rewards/distribute",
                                json={"rank": "STANDARD", "gold": 1, "reason": "too many"})
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "SEGMENT_TOO_LARGE"
    ids = await admin.post("/api/admin/rewards/distribute",
                           json={"user_ids": [p.user_id for p in players[:4]], "gold": 1, "reason": "too many"})
    assert ids.status_code == 422


@pytest.mark.parametrize("body", [
    {"user_ids": [1], "gold": -1, "reason": "neg"},
    {"user_ids": [1], "gold": 0, "reason": "nothing"},
    {"gold": 10, "reason": "no target"},
    {"user_ids": [1], "rank": "VIP", "gold": 10, "reason": "both"},
    {"user_ids": [1], "gold": 10, "reason": " "},
    {"user_ids": [1], "gold": 10, "reason": "ok", "items": [{"item_id": "nope", "quantity": 1}]},
    {"user_ids": [987654], "gold": 10, "reason": "missing user"},
    {"user_ids": [2**63], "gold": 10, "reason": "too big an id"},
])
async def test_bad_distributions_are_422(client: httpx.AsyncClient, admin: Player, body: dict) -> None:
    response = await admin.post("/api/admin/rewards/distribute", json=body)
    assert response.status_code == 422, response.text


async def test_players_cannot_distribute_and_history_pages(client: httpx.AsyncClient, admin: Player) -> None:
    player = await signup(client)
    assert (await player.post("/api/admin/rewards/distribute",
                              json={"user_ids": [player.user_id], "gold": 5, "reason": "self"})).status_code == 403
    for i in range(3):
        response = await admin.post("/api/admin/rewards/distribute",
                                    json={"user_ids": [player.user_id], "gold": 10 + i, "reason": f"r{i}"})
        assert response.status_code == 201
    page = (await player.get("/api/rewards", params={"limit": 2})).json()
    assert [r["gold"] for r in page["items"]] == [12, 11] and page["next_cursor"]
    rest = (await player.get("/api/rewards", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [r["gold"] for r in rest["items"]] == [10] and rest["next_cursor"] is None
    assert (await player.get("/api/rewards", params={"cursor": "garbage!"})).status_code == 422
