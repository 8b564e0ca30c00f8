"""Shop catalog and purchases: items for gold, gold packs through the sandbox gateway, idempotency, velocity."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from casino_club.kit.runtime import Runtime
from casino_club.outbox.models import OutboxEvent
from casino_club.shop.models import ShopTransaction
from casino_club.shop.seed import seed_shop
from casino_club.wallet.models import Transfer
from tests.support.api import Player, key, signup
from tests.support.shop import buy, ensure_items, fast_players, item_product, product


async def _inventory(player: Player) -> dict[str, int]:
    response = await player.get("/api/inventory")
    assert response.status_code == 200, response.text
    return {i["item_id"]: i["quantity"] for i in response.json()["items"]}


async def test_seeded_catalog_and_rank_gate(client: httpx.AsyncClient, rt: Runtime) -> None:
    await rt.run(seed_shop)
    await rt.run(seed_shop)  # idempotent
    player = await signup(client)
    catalog = (await player.get("/api/shop/catalog")).json()
    packs = {p["sku"]: p for p in catalog["gold_packs"]}
    items = {p["sku"]: p for p in catalog["items"]}
    assert packs["gold_1000"]["currency"] == "cents" and packs["gold_1000"]["gold_amount"] == 1000
    assert packs["gold_12000"]["effective_price"] == 999 - 99  # 10% off, rounded in the player's favour
    assert packs["starter_pack"]["limited"]["stock_remaining"] == 100
    assert packs["starter_pack"]["limited"]["user_remaining"] == 1
    assert items["streak_shield"]["currency"] == "gold" and items["streak_shield"]["purchasable"]
    crown = items["vip_crown"]
    assert crown["min_rank"] == "VIP" and not crown["purchasable"]
    refused = await buy(player, crown["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "RANK_REQUIRED"
    assert await player.gold() == 1000
    limited = (await player.get("/api/shop/limited-packages")).json()
    assert [p["product"]["sku"] for p in limited] == ["starter_pack"] and limited[0]["user_remaining"] == 1


async def test_item_purchase_moves_gold_and_inventory_atomically(client: httpx.AsyncClient, rt: Runtime,
                                                                 admin: Player) -> None:
    await ensure_items(rt)
    shield = await item_product(admin, price=300)
    player = await signup(client)
    bought = await buy(player, shield["id"], quantity=2)
    assert bought.status_code == 200, bought.text
    body = bought.json()
    assert body["status"] == "success" and body["total"] == 600 and body["gold"] == 400
    assert body["receipt_code"].startswith("SP-") and body["item_quantity"] == 2
    assert await player.gold() == 400 and (await _inventory(player))["streak_shield"] == 2
    # Too poor for two more: nothing changes at all (no gold, no item, no transaction row).
    poor = await buy(player, shield["id"], quantity=2)
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    assert await player.gold() == 400 and (await _inventory(player))["streak_shield"] == 2
    history = (await player.get("/api/shop/transactions")).json()["items"]
    assert [(t["receipt_code"], t["status"]) for t in history] == [(body["receipt_code"], "success")]
    ledger = (await player.get("/api/wallet/transactions")).json()["items"]
    assert ledger[0]["amount"] in (600, -600) and ledger[0]["reason"] == "shop_purchase"
    actions = (await player.get("/api/actions/recent")).json()["items"]
    assert actions[0]["kind"] == "purchase" and actions[0]["reference"] == body["receipt_code"]
    async with rt.sessionmaker() as session:
        events = list((await session.execute(select(OutboxEvent.type, OutboxEvent.data).where(
            OutboxEvent.user_id == player.user_id).order_by(OutboxEvent.seq))).all())
    purchase_events = [d for t, d in events if t == "purchase_update"]
    assert [(d["receipt_code"], d["status"]) for d in purchase_events] == [(body["receipt_code"], "success")]
    assert events[-1][0] == "profile_update" and events[-1][1]["gold"] == 400


async def test_discount_end_time_and_inactive_products(client: httpx.AsyncClient, rt: Runtime, admin: Player,
                                                       clock) -> None:  # type: ignore[no-untyped-def]
    await ensure_items(rt)
    ends = (rt.clock.now() + timedelta(minutes=5)).isoformat()
    sale = await item_product(admin, price=400, discount_percent=50, discount_ends_at=ends)
    player = await signup(client)
    assert (await buy(player, sale["id"])).json()["total"] == 200
    clock.advance(timedelta(minutes=6))  # access tokens live 15 minutes
    after = (await player.get("/api/shop/catalog")).json()["items"][0]
    assert after["effective_price"] == 400 and after["discount_percent"] == 0
    assert (await buy(player, sale["id"])).json()["total"] == 400
    off = await admin.put(f"/api/admin/shop/products/{sale['id']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    gone = await buy(player, sale["id"])
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "PRODUCT_UNAVAILABLE"
    missing = await buy(player, 999_999)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PRODUCT_NOT_FOUND"
    for bad in ({"product_id": sale["id"], "quantity": 0}, {"product_id": sale["id"], "quantity": 100},
                {"product_id": "x"}, {"product_id": sale["id"], "extra": 1}):
        response = await player.post("/api/shop/buy", json=bad)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_gold_pack_success_credits_once_and_replays(client: httpx.AsyncClient, admin: Player) -> None:
    pack = await product(admin, price=499, gold_amount=5500)
    player = await signup(client)
    first = await buy(player, pack["id"], quantity=2, idem="pack-key-1")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "success" and body["currency"] == "cents" and body["total"] == 998
    assert body["gold_amount"] == 11000 and body["gold"] == 12000
    again = await buy(player, pack["id"], quantity=2, idem="pack-key-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["receipt_code"] == body["receipt_code"]
    assert await player.gold() == 12000
    me = (await player.get("/api/auth/me")).json()
    assert me["gold"] == 12000


async def test_declined_payment_is_recorded(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    pack = await product(admin)
    player = await signup(client)
    rt.settings.payment_mode = "decline"
    declined = await buy(player, pack["id"], idem="declined-1")
    assert declined.status_code == 402
    err = declined.json()["error"]
    assert err["code"] == "PAYMENT_DECLINED" and err["details"]["receipt_code"].startswith("SP-")
    replay = await buy(player, pack["id"], idem="declined-1")
    assert replay.status_code == 402 and replay.json()["error"]["details"] == err["details"]
    history = (await player.get("/api/shop/transactions", params={"status": "failed"})).json()["items"]
    assert [(t["receipt_code"], t["failure_reason"]) for t in history] == [(err["details"]["receipt_code"],
                                                                           "PAYMENT_DECLINED")]
    assert await player.gold() == 1000


async def test_pending_purchase_badge_and_settle_poll(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    pack = await product(admin, gold_amount=2500)
    player = await signup(client)
    rt.settings.payment_mode = "pending"
    pending = await buy(player, pack["id"])
    assert pending.status_code == 200 and pending.json()["status"] == "pending"
    receipt = pending.json()["receipt_code"]
    assert (await player.get("/api/shop/pending-count")).json() == {"pending": 1}
    still = await player.post(f"/api/shop/transactions/{receipt}/settle")
    assert still.status_code == 200 and still.json()["status"] == "pending"
    rt.settings.payment_mode = "success"
    done = await player.post(f"/api/shop/transactions/{receipt}/settle")
    assert done.status_code == 200 and done.json()["status"] == "success"
    assert await player.gold() == 3500
    again = await player.post(f"/api/shop/transactions/{receipt}/settle")
    assert again.json()["status"] == "success" and await player.gold() == 3500
    assert (await player.get("/api/shop/pending-count")).json() == {"pending": 0}
    other = await signup(client)
    assert (await other.post(f"/api/shop/transactions/{receipt}/settle")).status_code == 404
    page = (await player.get("/api/shop/transactions", params={"limit": 1})).json()
    assert page["items"][0]["receipt_code"] == receipt and page["next_cursor"] is None


async def test_fifty_parallel_buys_with_one_key_charge_once(client: httpx.AsyncClient, rt: Runtime,
                                                            admin: Player) -> None:
    await ensure_items(rt)
    rt.settings.shop_purchase_rate_limit = 1000
    shield = await item_product(admin, price=100)
    (player,) = await fast_players(client, rt, 1, gold=1000)
    responses = await asyncio.gather(*(buy(player, shield["id"], idem="same-key") for _ in range(50)))
    ok = [r for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 409) for r in responses), {r.status_code for r in responses}
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_IN_FLIGHT" for r in responses if r.status_code == 409)
    assert len({r.json()["receipt_code"] for r in ok}) == 1
    assert await player.gold() == 900 and (await _inventory(player))["streak_shield"] == 1
    async with rt.sessionmaker() as session:
        rows = (await session.execute(select(func.count()).select_from(ShopTransaction))).scalar_one()
        debits = (await session.execute(select(func.count()).select_from(Transfer).where(
            Transfer.reason == "shop_purchase"))).scalar_one()
    assert rows == 1 and debits == 1


async def test_purchase_velocity_limit(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    rt.settings.shop_purchase_rate_limit = 3
    cheap = await item_product(admin, price=10)
    player = await signup(client)
    first_key = key()
    first = await buy(player, cheap["id"], idem=first_key)
    for _ in range(4):  # retries with the same key replay the purchase and do not count as attempts
        replay = await buy(player, cheap["id"], idem=first_key)
        assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
        assert replay.json() == first.json()
    for _ in range(2):
        assert (await buy(player, cheap["id"])).status_code == 200
    limited = await buy(player, cheap["id"])
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) > 0
    assert await player.gold() == 970
    other = await signup(client)  # the limit is per player
    assert (await buy(other, cheap["id"])).status_code == 200
