"""Payment webhook (signature, timestamp, nonce, event de-dup), refunds with claw-back, admin force-settle."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from casino_club.app import create_app
from casino_club.kit.runtime import Runtime
from casino_club.shop.jobs import run_once
from casino_club.shop.models import LimitedPackage, WebhookNonce
from casino_club.wallet.models import Transfer
from tests.support.api import Player, signup
from tests.support.shop import buy, ensure_items, item_product, limited, product, webhook


async def _pending(client: httpx.AsyncClient, rt: Runtime, admin: Player, gold: int = 2000) -> tuple[Player, str]:
    pack = await product(admin, gold_amount=gold)
    player = await signup(client)
    rt.settings.payment_mode = "pending"
    response = await buy(player, pack["id"])
    assert response.status_code == 200 and response.json()["status"] == "pending", response.text
    return player, response.json()["receipt_code"]


async def _credits(rt: Runtime, receipt: str) -> int:
    async with rt.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(Transfer).where(
            Transfer.reference == receipt, Transfer.reason == "purchase"))).scalar_one()


async def test_webhook_refusals(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    player, receipt = await _pending(client, rt, admin)
    secret = rt.settings.payment_webhook_secret
    body = {"receipt_code": receipt, "status": "success"}
    bad = await webhook(client, "wrong-secret", body)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "INVALID_SIGNATURE"
    forged = await webhook(client, secret, body, signature="sha256=" + "0" * 64)
    assert forged.status_code == 401
    now = rt.clock.now().timestamp()
    stale = await webhook(client, secret, body, timestamp=int(now) - 330)
    assert stale.status_code == 400 and stale.json()["error"]["code"] == "STALE_WEBHOOK"
    future = await webhook(client, secret, body, timestamp=int(now) + 330)  # margin: the server reads its clock later
    assert future.status_code == 400
    garbage = await webhook(client, secret, body, timestamp="yesterday")  # type: ignore[arg-type]
    assert garbage.status_code == 400
    no_headers = await client.post("/api/shop/webhook/payment", json=body)
    assert no_headers.status_code == 400 and no_headers.json()["error"]["code"] == "WEBHOOK_HEADERS_MISSING"
    wrong_status = await webhook(client, secret, {"receipt_code": receipt, "status": "maybe"})
    assert wrong_status.status_code == 422
    unknown = await webhook(client, secret, {"receipt_code": "SP-NOPE", "status": "success"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "RECEIPT_NOT_FOUND"
    # Nothing above changed the purchase.
    assert (await player.get(f"/api/shop/transactions/{receipt}")).json()["status"] == "pending"
    assert await player.gold() == 1000


async def test_webhook_settles_once_nonce_and_event_dedup(client: httpx.AsyncClient, rt: Runtime,
                                                          admin: Player) -> None:
    player, receipt = await _pending(client, rt, admin, gold=2000)
    secret = rt.settings.payment_webhook_secret
    body = {"receipt_code": receipt, "status": "success"}
    nonce, event = uuid.uuid4().hex, f"evt_{uuid.uuid4().hex}"
    first = await webhook(client, secret, body, nonce=nonce, event_id=event)
    assert first.status_code == 200, first.text
    assert first.json() == {"ok": True, "duplicate": False, "applied": True, "receipt_code": receipt,
                            "status": "success"}
    assert await player.gold() == 3000
    replayed = await webhook(client, secret, body, nonce=nonce, event_id=event)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "NONCE_REPLAYED"
    duplicate = await webhook(client, secret, body, event_id=event)
    assert duplicate.status_code == 200 and duplicate.json()["duplicate"] is True
    # Same status again under a new event id: acknowledged, not applied, never a second credit.
    again = await webhook(client, secret, {**body, "event_id": f"evt_{uuid.uuid4().hex}"})
    assert again.status_code == 200 and again.json()["applied"] is False
    assert await player.gold() == 3000 and await _credits(rt, receipt) == 1
    assert (await player.get("/api/shop/pending-count")).json() == {"pending": 0}


async def test_webhook_failure_and_refund_claw_back(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    secret = rt.settings.payment_webhook_secret
    player, failed = await _pending(client, rt, admin, gold=2000)
    out = await webhook(client, secret, {"receipt_code": failed, "status": "failed"})
    assert out.status_code == 200 and out.json()["status"] == "failed"
    late = await webhook(client, secret, {"receipt_code": failed, "status": "success"})
    assert late.json()["applied"] is False and await player.gold() == 1000

    # Refund while the gold is still there: all of it comes back.
    rt.settings.payment_mode = "success"
    pack = await product(admin, gold_amount=500)
    paid = (await buy(player, pack["id"])).json()
    assert await player.gold() == 1500
    refunded = await webhook(client, secret, {"receipt_code": paid["receipt_code"], "status": "refunded"})
    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"
    assert await player.gold() == 1000
    row = (await player.get(f"/api/shop/transactions/{paid['receipt_code']}")).json()
    assert row["gold_clawed_back"] == 500 and row["gold_owed"] == 0
    twice = await webhook(client, secret, {"receipt_code": paid["receipt_code"], "status": "refunded"})
    assert twice.json()["applied"] is False and await player.gold() == 1000


async def test_refund_after_spending_leaves_debt(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    secret = rt.settings.payment_webhook_secret
    pack = await product(admin, gold_amount=3000)
    costly = await item_product(admin, price=3500)
    player = await signup(client)
    paid = (await buy(player, pack["id"])).json()
    assert paid["status"] == "success" and await player.gold() == 4000
    assert (await buy(player, costly["id"])).status_code == 200
    assert await player.gold() == 500
    refunded = await webhook(client, secret, {"receipt_code": paid["receipt_code"], "status": "refunded"})
    assert refunded.status_code == 200
    assert await player.gold() == 0  # never below zero
    row = (await player.get(f"/api/shop/transactions/{paid['receipt_code']}")).json()
    assert (row["status"], row["gold_clawed_back"], row["gold_owed"]) == ("refunded", 500, 2500)
    owed = (await admin.get("/api/admin/shop/transactions", params={"owed_only": "true"})).json()
    assert [(t["receipt_code"], t["gold_owed"]) for t in owed["items"]] == [(paid["receipt_code"], 2500)]
    assert owed["total_owed"] == 2500
    # Issue 20 item 13: the debt is visible and every later credit pays it first, through ledger transfers.
    balance = (await player.get("/api/users/balance")).json()
    assert (balance["gold"], balance["owed"]) == (0, 2500)
    verified = (await admin.get("/api/admin/ledger/verify")).json()
    assert verified["ok"] and verified["owed"] == 2500
    grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 1000, "reason": "gift"})
    assert grant.status_code == 200, grant.text
    balance = (await player.get("/api/users/balance")).json()
    assert (balance["gold"], balance["owed"]) == (0, 1500)
    grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 2000, "reason": "gift"})
    balance = (await player.get("/api/users/balance")).json()
    assert (balance["gold"], balance["owed"]) == (500, 0)
    lines = (await player.get("/api/wallet/transactions")).json()["items"]
    assert [(x["reason"], x["amount"]) for x in lines[:4]] == [
        ("debt_repayment", -1500), ("admin_grant", 2000), ("debt_repayment", -1000), ("admin_grant", 1000)]
    assert (await admin.get("/api/admin/shop/transactions", params={"owed_only": "true"})).json()["total_owed"] == 0
    verified = (await admin.get("/api/admin/ledger/verify")).json()
    assert verified["ok"] and verified["owed"] == 0, verified
    # Once paid, credits are the player's again.
    await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 100, "reason": "gift"})
    assert await player.gold() == 600


async def test_admin_force_settle(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    player, receipt = await _pending(client, rt, admin, gold=700)
    forbidden = await player.post(f"/api/admin/transactions/{receipt}/force-settle",
                                  json={"status": "success", "reason": "support ticket"})
    assert forbidden.status_code == 403
    done = await admin.post(f"/api/admin/transactions/{receipt}/force-settle",
                            json={"status": "success", "reason": "support ticket 42"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "success" and done.json()["settled_by"] == "admin"
    assert await player.gold() == 1700
    again = await admin.post(f"/api/admin/transactions/{receipt}/force-settle",
                             json={"status": "failed", "reason": "oops"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_TRANSITION"
    log = (await admin.get("/api/admin/audit", params={"action": "shop.transaction.force_settle"})).json()["items"]
    assert [(e["target_id"], e["after"]["status"]) for e in log] == [(receipt, "success")]


async def test_racing_settlers_credit_once(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    player, receipt = await _pending(client, rt, admin, gold=900)
    secret = rt.settings.payment_webhook_secret
    rt.settings.payment_mode = "success"
    body = {"receipt_code": receipt, "status": "success"}
    racers = [webhook(client, secret, body, event_id="evt-race") for _ in range(8)]
    racers += [webhook(client, secret, body, event_id=f"evt-{i}") for i in range(4)]
    racers += [player.post(f"/api/shop/transactions/{receipt}/settle") for _ in range(4)]
    racers += [admin.post(f"/api/admin/transactions/{receipt}/force-settle",
                          json={"status": "success", "reason": "racing"}) for _ in range(2)]
    responses = await asyncio.gather(*racers)
    assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses if r.status_code >= 300]
    applied = [r for r in responses if r.status_code == 200 and r.json().get("applied")]
    forced = [r for r in responses if r.status_code == 200 and r.json().get("settled_by") == "admin"]
    assert len(applied) + len(forced) <= 1
    assert await player.gold() == 1900 and await _credits(rt, receipt) == 1
    assert (await player.get(f"/api/shop/transactions/{receipt}")).json()["status"] == "success"


async def test_nonce_replay_refused_by_another_instance(client: httpx.AsyncClient, rt: Runtime, admin: Player,
                                                        settings, clock) -> None:  # type: ignore[no-untyped-def]
    player, receipt = await _pending(client, rt, admin, gold=600)
    other_app = create_app(settings, clock, run_jobs=False)
    async with other_app.router.lifespan_context(other_app):
        transport = httpx.ASGITransport(app=other_app, client=("127.0.0.1", 50001))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8001") as second:
            secret = rt.settings.payment_webhook_secret
            body = {"receipt_code": receipt, "status": "success"}
            nonce = uuid.uuid4().hex
            assert (await webhook(client, secret, body, nonce=nonce, event_id="evt-a")).status_code == 200
            replay = await webhook(second, secret, body, nonce=nonce, event_id="evt-b")
            assert replay.status_code == 409 and replay.json()["error"]["code"] == "NONCE_REPLAYED"
            dup = await webhook(second, secret, body, event_id="evt-a")
            assert dup.status_code == 200 and dup.json()["duplicate"] is True
    assert await player.gold() == 1600 and await _credits(rt, receipt) == 1


async def test_sweeper_prunes_old_nonces(client: httpx.AsyncClient, rt: Runtime, admin: Player, clock,
                                         settlement) -> None:  # type: ignore[no-untyped-def]
    player, receipt = await _pending(client, rt, admin)
    secret = rt.settings.payment_webhook_secret
    body = {"receipt_code": receipt, "status": "failed"}
    assert (await webhook(client, secret, body, nonce="n-1")).status_code == 200
    clock.advance(timedelta(minutes=15))
    await run_once(rt, settlement)  # (the background sweeper may get there first)
    async with rt.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(WebhookNonce))).scalar_one() == 0
    # Once pruned, the old nonce could only come back with a timestamp that is now stale.
    late = await webhook(client, secret, body, nonce="n-1", now=rt.clock.now().timestamp() - 900)
    assert late.status_code == 400


async def test_refunded_limited_pack_returns_its_unit_and_the_players_limit(
        client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    # Issue 20 item 12: the refund gives the unit back to stock and to the per-player limit, in its transaction.
    secret = rt.settings.payment_webhook_secret
    rt.settings.payment_mode = "success"
    pack = await product(admin, gold_amount=500)
    await limited(admin, pack["id"], stock=1, per_user_limit=1)
    player, other = await signup(client), await signup(client)
    paid = (await buy(player, pack["id"])).json()
    assert paid["status"] == "success"
    assert (await buy(other, pack["id"])).json()["error"]["code"] == "OUT_OF_STOCK"
    refunded = await webhook(client, secret, {"receipt_code": paid["receipt_code"], "status": "refunded"})
    assert refunded.status_code == 200 and refunded.json()["applied"] is True
    offer = (await player.get("/api/shop/limited-packages")).json()[0]
    assert (offer["stock_remaining"], offer["user_remaining"], offer["on_sale"]) == (1, 1, True)
    twice = await webhook(client, secret, {"receipt_code": paid["receipt_code"], "status": "refunded"})
    assert twice.json()["applied"] is False  # a repeated refund gives nothing back twice
    assert (await player.get("/api/shop/limited-packages")).json()[0]["stock_remaining"] == 1
    again = await buy(player, pack["id"])  # the refunded player may buy it again, once
    assert again.status_code == 200 and again.json()["status"] == "success"
    assert (await buy(player, pack["id"])).json()["error"]["code"] in ("USER_LIMIT", "OUT_OF_STOCK")
    async with rt.sessionmaker() as session:
        package = (await session.execute(select(LimitedPackage).where(LimitedPackage.product_id == pack["id"]))).scalar_one()
    assert (package.stock, package.sold) == (0, 1)
