"""Reads of purchases: the player's view and the lookup by receipt (the transitions are shop/plans.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.shop import errors
from casino_club.shop.models import ShopTransaction
from casino_club.shop.schemas import TransactionOut


def tx_out(tx: ShopTransaction) -> TransactionOut:
    """Player-facing view of a purchase."""
    return TransactionOut(
        receipt_code=tx.receipt_code, status=tx.status, product_id=tx.product_id,
        kind=tx.kind, currency=tx.currency, quantity=tx.quantity,
        unit_price=tx.unit_price, subtotal=tx.subtotal, discount=tx.discount, total=tx.total,
        gold_amount=tx.gold_amount, item_id=tx.item_id, item_quantity=tx.item_quantity, promo_code=tx.promo_code,
        failure_reason=tx.failure_reason, gold_clawed_back=tx.gold_clawed_back, gold_owed=tx.gold_owed,
        created_at=tx.created_at, settled_at=tx.settled_at, expires_at=tx.expires_at)


async def by_receipt(session: AsyncSession, receipt: str, user_id: int | None = None) -> ShopTransaction:
    """A purchase by receipt code (optionally only the player's own); 404 RECEIPT_NOT_FOUND otherwise."""
    q = select(ShopTransaction).where(ShopTransaction.receipt_code == receipt)
    if user_id is not None:
        q = q.where(ShopTransaction.user_id == user_id)
    tx = (await session.execute(q.execution_options(populate_existing=True))).scalar_one_or_none()
    if tx is None:
        raise errors.ReceiptNotFound({"receipt_code": receipt})
    return tx
