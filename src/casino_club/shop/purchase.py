"""POST /api/shop/buy and the player's settle poll: one transaction each, reasons as stable codes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.inventory.service import grant_item
from casino_club.kit.errors import DomainError
from casino_club.kit.ids import receipt_code
from casino_club.kit.runtime import session_now, session_settings
from casino_club.ops.metrics import PURCHASES
from casino_club.shop import errors, limited, promo, settle
from casino_club.shop.catalog import buyable_product, unit_price
from casino_club.shop.gateway import Decision, Gateway
from casino_club.shop.models import ITEM, ShopTransaction
from casino_club.shop.schemas import BuyIn, PurchaseOut, TransactionOut
from casino_club.wallet.service import System, balance_of, debit_player


async def buy(session: AsyncSession, user_id: int, rank: str, body: BuyIn, gateway: Gateway) -> PurchaseOut:
    """Buy a product; every refusal is counted by reason code and rolls back (a decline is kept)."""
    try:
        return await _buy(session, user_id, rank, body, gateway)
    except DomainError as exc:
        if not isinstance(exc, errors.PaymentDeclined):
            PURCHASES.labels("rejected", exc.code).inc()
        raise


async def _buy(session: AsyncSession, user_id: int, rank: str, body: BuyIn, gateway: Gateway) -> PurchaseOut:
    now = session_now(session)
    product = await buyable_product(session, body.product_id, rank)
    receipt = receipt_code("SP")
    unit = unit_price(product, now)
    subtotal = unit * body.quantity
    package = await limited.package_for(session, product.id)
    if package is not None:
        await limited.reserve(session, package, user_id, body.quantity, now)
    used_promo, discount = None, 0
    if body.promo_code:
        used_promo, discount = await promo.redeem(session, body.promo_code, product, user_id, subtotal, receipt, now)
    is_item = product.kind == ITEM
    tx = ShopTransaction(
        receipt_code=receipt, user_id=user_id, product_id=product.id, kind=product.kind,
        currency="gold" if is_item else "cents", quantity=body.quantity, unit_price=unit, subtotal=subtotal,
        discount=discount, total=subtotal - discount,
        gold_amount=0 if is_item else product.gold_amount * body.quantity,
        item_id=product.item_id if is_item else None, item_quantity=product.item_quantity * body.quantity if is_item else 0,
        promo_id=used_promo.id if used_promo else None, promo_code=used_promo.code if used_promo else None,
        status="pending", package_id=package.id if package else None, hold_state="held" if package else None,
        gold_clawed_back=0, gold_owed=0, created_at=now, updated_at=now)
    if is_item:
        await _pay_with_gold(session, tx)
    else:
        settings = session_settings(session)
        tx.gateway = gateway.name
        tx.expires_at = now + timedelta(seconds=settings.payment_pending_timeout_s)
        if package is not None:
            tx.hold_expires_at = now + timedelta(seconds=settings.shop_hold_s)
        session.add(tx)
        await session.flush()
        decision = Decision.SUCCESS if tx.total == 0 else await gateway.charge(receipt, tx.total)
        if decision == Decision.SUCCESS:
            await settle.succeed(session, tx, by="gateway")
        elif decision == Decision.DECLINED:
            await settle.fail(session, tx, "failed", by="gateway", reason="PAYMENT_DECLINED")
            raise errors.PaymentDeclined({"receipt_code": receipt, "status": "failed"})
        else:
            PURCHASES.labels("pending", "").inc()
            await settle.notify(session, tx, profile=False)
    return PurchaseOut(**settle.tx_out(tx).model_dump(), gold=await balance_of(session, user_id))


async def _pay_with_gold(session: AsyncSession, tx: ShopTransaction) -> None:
    now = session_now(session)
    tx.status, tx.settled_at, tx.settled_by = "success", now, "instant"
    if tx.package_id is not None:
        tx.hold_state = "consumed"
        await limited.mark_sold(session, tx.package_id, tx.quantity)
    session.add(tx)
    await session.flush()
    if tx.total > 0:
        await debit_player(session, tx.user_id, tx.total, sink=System.SHOP, reason="shop_purchase",
                           reference=tx.receipt_code, dedupe_key=f"purchase:{tx.receipt_code}:debit")
    assert tx.item_id is not None
    await grant_item(session, tx.user_id, tx.item_id, tx.item_quantity)
    await settle.record_success(session, tx)


async def poll(session: AsyncSession, user_id: int, receipt: str, gateway: Gateway) -> TransactionOut:
    """Ask the gateway about one of the player's pending purchases and apply its answer."""
    tx = await settle.by_receipt(session, receipt, user_id)
    if tx.status != "pending":
        return settle.tx_out(tx)
    if tx.expires_at is not None and tx.expires_at <= session_now(session):
        await settle.fail(session, tx, "voided", by="poll", reason="EXPIRED")
        return settle.tx_out(tx)
    decision = await gateway.poll(receipt)
    if decision == Decision.SUCCESS:
        await settle.succeed(session, tx, by="poll")
    elif decision == Decision.DECLINED:
        await settle.fail(session, tx, "failed", by="poll", reason="PAYMENT_DECLINED")
    return settle.tx_out(tx)
