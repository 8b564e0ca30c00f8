"""Limited packages (stock, per-player limit, window, holds) and promo codes, including under concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from casino_club.kit.runtime import Runtime
from casino_club.shop.jobs import run_once
from casino_club.shop.models import LimitedPackage, PromoCode
from tests.support.api import Player, signup
from tests.support.shop import buy, ensure_items, fast_players, item_product, limited, product


async def _package(rt: Runtime, package_id: int) -> LimitedPackage:
    async with rt.sessionmaker() as session:
        return (await session.execute(select(LimitedPackage).where(LimitedPackage.id == package_id))).scalar_one()


def _codes(responses: list[httpx.Response]) -> Counter[str]:
    return Counter("OK" if r.status_code == 200 else r.json()["error"]["code"] for r in responses)


async def test_stock_window_and_limit_reasons(client: httpx.AsyncClient, rt: Runtime, admin: Player, clock) -> None:  # type: ignore[no-untyped-def]
    pack = await product(admin, gold_amount=500)
    start = rt.clock.now() + timedelta(minutes=5)
    package = await limited(admin, pack["id"], stock=2, per_user_limit=1, starts_at=start.isoformat(),
                            ends_at=(start + timedelta(minutes=5)).isoformat())
    a, b, c = await fast_players(client, rt, 3)
    early = await buy(a, pack["id"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "WINDOW_CLOSED"
    clock.advance(timedelta(minutes=6))
    assert (await buy(a, pack["id"])).status_code == 200
    again = await buy(a, pack["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "USER_LIMIT"
    mine = (await a.get("/api/shop/limited-packages")).json()[0]
    assert mine["stock_remaining"] == 1 and mine["user_remaining"] == 0 and mine["on_sale"] is False
    assert (await buy(b, pack["id"])).status_code == 200
    sold_out = await buy(c, pack["id"])
    assert sold_out.status_code == 409 and sold_out.json()["error"]["code"] == "OUT_OF_STOCK"
    assert await a.gold() == 500 and await c.gold() == 0
    assert (await _package(rt, package["id"])).sold == 2
    off = await admin.post(f"/api/admin/shop/limited-packages/{package['id']}/disable")
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert pack["id"] not in [p["id"] for p in (await c.get("/api/shop/catalog")).json()["gold_packs"]]


async def test_per_user_limit_holds_under_concurrency(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    rt.settings.shop_purchase_rate_limit = 1000
    clover = await item_product(admin, item_id="lucky_clover", price=10)
    package = await limited(admin, clover["id"], stock=100, per_user_limit=3)
    (player,) = await fast_players(client, rt, 1, gold=1000)
    responses = await asyncio.gather(*(buy(player, clover["id"]) for _ in range(12)))
    assert _codes(responses) == Counter({"OK": 3, "USER_LIMIT": 9})
    assert await player.gold() == 970
    state = await _package(rt, package["id"])
    assert (state.stock, state.sold) == (97, 3)


async def test_promo_codes(client: httpx.AsyncClient, rt: Runtime, admin: Player, clock) -> None:  # type: ignore[no-untyped-def]
    await ensure_items(rt)
    dice = await item_product(admin, item_id="golden_dice", price=400)
    other = await item_product(admin, item_id="lucky_clover", price=100)
    pct = await admin.post("/api/admin/shop/promo-codes", json={"code": "half50", "kind": "percent", "value": 50})
    assert pct.status_code == 201 and pct.json()["code"] == "HALF50"
    only_dice = await admin.post("/api/admin/shop/promo-codes", json={
        "code": "DICE150", "kind": "fixed", "value": 150, "product_id": dice["id"],
        "ends_at": (rt.clock.now() + timedelta(minutes=5)).isoformat()})
    assert only_dice.status_code == 201
    dup = await admin.post("/api/admin/shop/promo-codes", json={"code": "HALF50", "kind": "fixed", "value": 1})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "PROMO_CODE_TAKEN"
    player = await signup(client)
    used = (await buy(player, dice["id"], quantity=2, promo_code="half50")).json()
    assert (used["subtotal"], used["discount"], used["total"], used["promo_code"]) == (800, 400, 400, "HALF50")
    twice = await buy(player, dice["id"], promo_code="HALF50")
    assert twice.status_code == 422 and twice.json()["error"]["code"] == "PROMO_INVALID"
    assert twice.json()["error"]["details"]["reason"] == "already_used"
    wrong = await buy(player, other["id"], promo_code="DICE150")
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["reason"] == "other_product"
    unknown = await buy(player, dice["id"], promo_code="NOPE")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "PROMO_INVALID"
    clock.advance(timedelta(minutes=6))
    expired = await buy(player, dice["id"], promo_code="DICE150")
    assert expired.status_code == 422 and expired.json()["error"]["details"]["reason"] == "outside_window"
    assert await player.gold() == 600


async def test_promo_max_uses_hold_under_concurrency(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    clover = await item_product(admin, item_id="lucky_clover", price=100)
    created = await admin.post("/api/admin/shop/promo-codes", json={"code": "FIVE", "kind": "fixed", "value": 100,
                                                                     "max_uses": 5})
    assert created.status_code == 201
    players = await fast_players(client, rt, 20, gold=100)
    responses = await asyncio.gather(*(buy(p, clover["id"], promo_code="FIVE") for p in players))
    assert _codes(responses) == Counter({"OK": 5, "PROMO_EXHAUSTED": 15})
    assert all(r.json()["total"] == 0 for r in responses if r.status_code == 200)
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(PromoCode.uses).where(PromoCode.code == "FIVE"))).scalar_one() == 5
    assert sorted([await p.gold() for p in players]) == [100] * 20


async def test_expired_pending_purchase_is_voided_and_hold_released(client: httpx.AsyncClient, rt: Runtime,
                                                                     admin: Player, clock, settlement) -> None:  # type: ignore[no-untyped-def]
    pack = await product(admin, gold_amount=800)
    package = await limited(admin, pack["id"], stock=1, per_user_limit=1)
    await admin.post("/api/admin/shop/promo-codes", json={"code": "ONCE", "kind": "percent", "value": 10,
                                                          "max_uses": 1})
    first, second = await fast_players(client, rt, 2)
    rt.settings.payment_mode = "pending"
    held = await buy(first, pack["id"], promo_code="ONCE")
    assert held.status_code == 200 and held.json()["status"] == "pending"
    receipt = held.json()["receipt_code"]
    blocked = await buy(second, pack["id"])
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "OUT_OF_STOCK"
    # After 120 s the hold is released even though the payment is still pending.
    clock.advance(timedelta(seconds=121))
    swept = await run_once(rt, settlement)
    assert swept.voided == 0 and (await _package(rt, package["id"])).stock == 1
    # After 5 minutes the purchase itself is voided; its promo use comes back too.
    clock.advance(timedelta(seconds=180))
    swept = await run_once(rt, settlement)
    row = (await first.get(f"/api/shop/transactions/{receipt}")).json()
    assert (row["status"], row["failure_reason"]) == ("voided", "EXPIRED")
    assert (await run_once(rt, settlement)).voided == 0  # a second sweep finds nothing to do
    state = await _package(rt, package["id"])
    assert (state.stock, state.sold) == (1, 0)
    assert (await first.get("/api/shop/limited-packages")).json()[0]["user_remaining"] == 1
    rt.settings.payment_mode = "success"
    retry = await buy(first, pack["id"], promo_code="ONCE")
    assert retry.status_code == 200 and retry.json()["status"] == "success" and retry.json()["discount"] == 9
    assert await first.gold() == 800 and await second.gold() == 0


async def test_success_after_released_hold_never_oversells(client: httpx.AsyncClient, rt: Runtime, admin: Player,
                                                          clock, settlement) -> None:  # type: ignore[no-untyped-def]
    pack = await product(admin, gold_amount=800)
    package = await limited(admin, pack["id"], stock=1)
    first, second = await fast_players(client, rt, 2)
    rt.settings.payment_mode = "pending"
    receipt = (await buy(first, pack["id"])).json()["receipt_code"]
    clock.advance(timedelta(seconds=121))
    await run_once(rt, settlement)
    assert (await _package(rt, package["id"])).stock == 1  # the hold went back to stock
    rt.settings.payment_mode = "success"
    assert (await buy(second, pack["id"])).json()["status"] == "success"
    late = await first.post(f"/api/shop/transactions/{receipt}/settle")
    assert late.status_code == 200
    assert (late.json()["status"], late.json()["failure_reason"]) == ("failed", "OUT_OF_STOCK")
    assert await first.gold() == 0
    state = await _package(rt, package["id"])
    assert (state.stock, state.sold) == (0, 1)


@pytest.mark.parametrize("backend", ["pg"], indirect=False)
async def test_300_buyers_for_25_units(client: httpx.AsyncClient, rt: Runtime, admin: Player, backend: str) -> None:
    """PostgreSQL only: SQLite serialises every writer, so it cannot show a real race."""
    pack = await product(admin, gold_amount=1000)
    package = await limited(admin, pack["id"], stock=25)
    players = await fast_players(client, rt, 300)
    responses = await asyncio.gather(*(buy(p, pack["id"]) for p in players))
    assert _codes(responses) == Counter({"OK": 25, "OUT_OF_STOCK": 275})
    state = await _package(rt, package["id"])
    assert (state.stock, state.sold) == (0, 25)
    golds = [r.json()["gold"] for r in responses if r.status_code == 200]
    assert golds == [1000] * 25
