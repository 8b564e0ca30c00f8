"""Settlement transitions of a purchase, shared by the gateway reply, webhook, poll, admin and expiry job.

Every transition starts with a conditional UPDATE on the status (`WHERE status = 'pending'`), so exactly
one of several concurrent settlers (two instances, a webhook racing the expiry job) applies its effects.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.auth.profile import load_profile
from casino_club.db import rows_matched
from casino_club.engagement.progress import record_progress
from casino_club.kit.runtime import session_now
from casino_club.ops.metrics import PURCHASES
from casino_club.outbox.service import emit
from casino_club.shop import errors, limited, promo
from casino_club.shop.models import GOLD_PACK, ShopTransaction
from casino_club.shop.schemas import TransactionOut
from casino_club.wallet.models import Account
from casino_club.wallet.service import System, credit_player, debit_player


def tx_out(tx: ShopTransaction) -> TransactionOut:
    """Player-facing view of a purchase."""
    return TransactionOut(
        receipt_code=tx.receipt_code, status=tx.status, product_id=tx.product_id,  # type: ignore[arg-type]
        kind=tx.kind, currency=tx.currency, quantity=tx.quantity,  # type: ignore[arg-type]
        unit_price=tx.unit_price, subtotal=tx.subtotal, discount=tx.discount, total=tx.total,
        gold_amount=tx.gold_amount, item_id=tx.item_id, item_quantity=tx.item_quantity, promo_code=tx.promo_code,
        failure_reason=tx.failure_reason, gold_clawed_back=tx.gold_clawed_back, gold_owed=tx.gold_owed,
        created_at=tx.created_at, settled_at=tx.settled_at, expires_at=tx.expires_at)


async def notify(session: AsyncSession, tx: ShopTransaction, profile: bool = True) -> None:
    """Push purchase_update (and profile_update when gold or items changed) to the player's tabs."""
    await emit(session, tx.user_id, "purchase_update", tx_out(tx).model_dump(mode="json"))
    if profile:
        await emit(session, tx.user_id, "profile_update", (await load_profile(session, tx.user_id)).model_dump(mode="json"))


async def by_receipt(session: AsyncSession, receipt: str, user_id: int | None = None) -> ShopTransaction:
    """A purchase by receipt code (optionally only the player's own); 404 RECEIPT_NOT_FOUND otherwise."""
    q = select(ShopTransaction).where(ShopTransaction.receipt_code == receipt)
    if user_id is not None:
        q = q.where(ShopTransaction.user_id == user_id)
    tx = (await session.execute(q.execution_options(populate_existing=True))).scalar_one_or_none()
    if tx is None:
        raise errors.ReceiptNotFound({"receipt_code": receipt})
    return tx


async def _claim(session: AsyncSession, tx: ShopTransaction, from_status: str, to: str, by: str,
                 reason: str | None = None) -> bool:
    now = session_now(session)
    values: dict[str, object] = {"status": to, "updated_at": now, "settled_by": by}
    if from_status == "pending":
        values["settled_at"] = now
    if reason is not None:
        values["failure_reason"] = reason
    claimed = await session.execute(update(ShopTransaction).where(
        ShopTransaction.id == tx.id, ShopTransaction.status == from_status).values(**values)
        .execution_options(synchronize_session=False))
    await session.refresh(tx)
    return rows_matched(claimed) == 1


async def credit_pack(session: AsyncSession, tx: ShopTransaction) -> None:
    """Credit a successful gold pack exactly once (the dedupe key makes a second credit impossible)."""
    await credit_player(session, tx.user_id, tx.gold_amount, source=System.SHOP, reason="purchase",
                        reference=tx.receipt_code, dedupe_key=f"purchase:{tx.receipt_code}:credit")


async def record_success(session: AsyncSession, tx: ShopTransaction) -> None:
    """History, progress, metrics and events of a successful purchase."""
    spent = tx.total if tx.currency == "gold" else 0
    await record_action(session, tx.user_id, "purchase", {
        "product_id": tx.product_id, "kind": tx.kind, "quantity": tx.quantity, "total": tx.total,
        "currency": tx.currency, "gold": tx.gold_amount, "item_id": tx.item_id, "item_quantity": tx.item_quantity},
        reference=tx.receipt_code)
    await record_progress(session, tx.user_id, {"purchases": 1, "gold_spent": spent})
    PURCHASES.labels("success", "").inc()
    await notify(session, tx)


async def _undo_reservations(session: AsyncSession, tx: ShopTransaction) -> None:
    await limited.release_hold(session, tx)
    await promo.release(session, tx)


async def succeed(session: AsyncSession, tx: ShopTransaction, by: str) -> bool:
    """pending → success: keep the stock hold, credit the gold, tell the player. False if not pending."""
    if not await _claim(session, tx, "pending", "success", by):
        return False
    lost = await limited.consume_hold(session, tx)
    if lost is not None:
        # The hold ran out and the units were sold meanwhile: never oversell; the charge is reversed.
        tx.status, tx.failure_reason = "failed", lost
        await promo.release(session, tx)
        await record_action(session, tx.user_id, "purchase_failed", {"reason": lost}, reference=tx.receipt_code)
        PURCHASES.labels("failed", lost).inc()
        await notify(session, tx, profile=False)
        return True
    await credit_pack(session, tx)
    await record_success(session, tx)
    return True


async def fail(session: AsyncSession, tx: ShopTransaction, to: str, by: str, reason: str) -> bool:
    """pending → failed | voided: release the stock hold and promo use. False if not pending."""
    if not await _claim(session, tx, "pending", to, by, reason):
        return False
    await _undo_reservations(session, tx)
    await record_action(session, tx.user_id, f"purchase_{to}", {"reason": reason}, reference=tx.receipt_code)
    PURCHASES.labels(to, reason).inc()
    await notify(session, tx, profile=False)
    return True


async def refund(session: AsyncSession, tx: ShopTransaction, by: str) -> bool:
    """success → refunded for a gold pack: claw the gold back down to a zero balance; the rest is owed."""
    if tx.kind != GOLD_PACK or not await _claim(session, tx, "success", "refunded", by):
        return False
    # Lock the player's balance row so the amount read is the amount we can take (a no-op on SQLite,
    # whose writers are already serialised).
    balance = (await session.execute(select(Account.balance).where(Account.user_id == tx.user_id)
                                     .with_for_update())).scalar_one()
    take = min(balance, tx.gold_amount)
    if take > 0:
        await debit_player(session, tx.user_id, take, sink=System.SHOP, reason="purchase_refund",
                           reference=tx.receipt_code, dedupe_key=f"purchase:{tx.receipt_code}:refund")
    tx.gold_clawed_back, tx.gold_owed = take, tx.gold_amount - take
    await limited.return_refunded(session, tx)  # a limited unit is sellable again, in this same transaction
    tx.updated_at = session_now(session)
    await record_action(session, tx.user_id, "purchase_refunded", {"clawed_back": take, "owed": tx.gold_owed},
                        reference=tx.receipt_code)
    PURCHASES.labels("refunded", "").inc()
    await notify(session, tx)
    return True
