"""Promo codes: once per player (unique redemption row), capped uses (conditional UPDATE), window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.db import rows_matched
from casino_club.shop import errors
from casino_club.shop.models import Product, PromoCode, PromoRedemption, ShopTransaction


def promo_discount(promo: PromoCode, subtotal: int) -> int:
    """Discount on a subtotal: percent rounded down, or a fixed amount capped at the subtotal."""
    if promo.kind == "percent":
        return subtotal * promo.value // 100
    return min(promo.value, subtotal)


async def redeem(session: AsyncSession, code: str, product: Product, user_id: int, subtotal: int,
                 receipt: str, now: datetime) -> tuple[PromoCode, int]:
    """Use a promo code for this purchase; returns it and the discount. Raises PROMO_INVALID/EXHAUSTED."""
    promo = (await session.execute(select(PromoCode).where(
        PromoCode.code == code.strip().upper(), PromoCode.deleted_at.is_(None)))).scalar_one_or_none()
    if promo is None or not promo.active:
        raise errors.PromoInvalid({"reason": "unknown"})
    if promo.product_id is not None and promo.product_id != product.id:
        raise errors.PromoInvalid({"reason": "other_product"})
    if (promo.starts_at is not None and now < promo.starts_at) or (promo.ends_at is not None and now >= promo.ends_at):
        raise errors.PromoInvalid({"reason": "outside_window"})
    try:
        async with session.begin_nested():
            session.add(PromoRedemption(promo_id=promo.id, user_id=user_id, receipt_code=receipt, created_at=now))
    except IntegrityError as exc:
        raise errors.PromoInvalid({"reason": "already_used"}) from exc
    used = await session.execute(update(PromoCode).where(
        PromoCode.id == promo.id, (PromoCode.max_uses.is_(None)) | (PromoCode.uses < PromoCode.max_uses))
        .values(uses=PromoCode.uses + 1).execution_options(synchronize_session=False))
    if rows_matched(used) != 1:
        raise errors.PromoExhausted({"max_uses": promo.max_uses})
    return promo, promo_discount(promo, subtotal)


async def release(session: AsyncSession, tx: ShopTransaction) -> None:
    """Give a failed or voided purchase's promo use back (the player may use the code again)."""
    if tx.promo_id is None:
        return
    gone = await session.execute(delete(PromoRedemption).where(
        PromoRedemption.promo_id == tx.promo_id, PromoRedemption.user_id == tx.user_id,
        PromoRedemption.receipt_code == tx.receipt_code).execution_options(synchronize_session=False))
    if rows_matched(gone) == 1:
        await session.execute(update(PromoCode).where(PromoCode.id == tx.promo_id, PromoCode.uses > 0)
                              .values(uses=PromoCode.uses - 1).execution_options(synchronize_session=False))
