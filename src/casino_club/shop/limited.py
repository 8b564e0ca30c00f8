"""Limited-package stock: conditional UPDATEs only, so no concurrency can oversell or pass a per-player limit.

`stock` on the package is what is still sellable. A purchase takes units off it at once; while its payment
is pending they are a *hold* on the transaction (`hold_state='held'`), which is either consumed when the
payment succeeds or released (units back to stock) on failure, void or after the hold timeout.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.db import rows_matched
from casino_club.kit.runtime import session_now
from casino_club.shop import errors
from casino_club.shop.catalog import window_open
from casino_club.shop.models import LimitedAllowance, LimitedPackage, ShopTransaction


async def package_for(session: AsyncSession, product_id: int) -> LimitedPackage | None:
    """The limited package attached to a product, if any."""
    return (await session.execute(select(LimitedPackage).where(LimitedPackage.product_id == product_id))).scalar_one_or_none()


async def _bump_allowance(session: AsyncSession, package_id: int, user_id: int, quantity: int,
                          limit: int | None) -> None:
    stmt = update(LimitedAllowance).where(LimitedAllowance.package_id == package_id,
                                          LimitedAllowance.user_id == user_id)
    if limit is not None:
        stmt = stmt.where(LimitedAllowance.used + quantity <= limit)
    bumped = await session.execute(stmt.values(used=LimitedAllowance.used + quantity)
                                   .execution_options(synchronize_session=False))
    if rows_matched(bumped) == 1:
        return
    exists = (await session.execute(select(LimitedAllowance.id).where(
        LimitedAllowance.package_id == package_id, LimitedAllowance.user_id == user_id))).scalar_one_or_none()
    if exists is not None or (limit is not None and quantity > limit):
        raise errors.UserLimit({"per_user_limit": limit})
    try:
        async with session.begin_nested():
            session.add(LimitedAllowance(package_id=package_id, user_id=user_id, used=quantity))
    except IntegrityError:  # the player's first row was created concurrently: count against it instead
        await _bump_allowance(session, package_id, user_id, quantity, limit)


async def _take_stock(session: AsyncSession, package_id: int, quantity: int) -> None:
    taken = await session.execute(update(LimitedPackage).where(
        LimitedPackage.id == package_id, LimitedPackage.stock >= quantity).values(
        stock=LimitedPackage.stock - quantity, updated_at=session_now(session))
        .execution_options(synchronize_session=False))
    if rows_matched(taken) != 1:
        raise errors.OutOfStock({"package_id": package_id})


async def reserve(session: AsyncSession, package: LimitedPackage, user_id: int, quantity: int,
                  now: datetime) -> None:
    """Check the window and take `quantity` units from stock and from the player's allowance."""
    if not package.enabled or not window_open(package, now):
        raise errors.WindowClosed({"package_id": package.id, "starts_at": package.starts_at,
                                   "ends_at": package.ends_at})
    # The per-player row first: it is not shared, so a player at the limit never waits on the hot stock row.
    await _bump_allowance(session, package.id, user_id, quantity, package.per_user_limit)
    await _take_stock(session, package.id, quantity)


async def mark_sold(session: AsyncSession, package_id: int, quantity: int) -> None:
    """Count units as sold (their stock was already taken)."""
    await session.execute(update(LimitedPackage).where(LimitedPackage.id == package_id).values(
        sold=LimitedPackage.sold + quantity).execution_options(synchronize_session=False))


async def _give_back(session: AsyncSession, tx: ShopTransaction) -> None:
    assert tx.package_id is not None
    # Same lock order as reserve() (allowance row, then the package row) so the two cannot deadlock.
    await session.execute(update(LimitedAllowance).where(
        LimitedAllowance.package_id == tx.package_id, LimitedAllowance.user_id == tx.user_id,
        LimitedAllowance.used >= tx.quantity).values(used=LimitedAllowance.used - tx.quantity)
        .execution_options(synchronize_session=False))
    await session.execute(update(LimitedPackage).where(LimitedPackage.id == tx.package_id).values(
        stock=LimitedPackage.stock + tx.quantity, updated_at=session_now(session))
        .execution_options(synchronize_session=False))


async def _set_hold(session: AsyncSession, tx: ShopTransaction, to: str, from_state: str = "held") -> bool:
    moved = await session.execute(update(ShopTransaction).where(
        ShopTransaction.id == tx.id, ShopTransaction.hold_state == from_state).values(hold_state=to)
        .execution_options(synchronize_session=False))
    if rows_matched(moved) == 1:
        tx.hold_state = to
        return True
    return False


async def release_hold(session: AsyncSession, tx: ShopTransaction) -> bool:
    """Give a held purchase's units back to stock and allowance; exactly once (conditional on 'held')."""
    if tx.package_id is None or not await _set_hold(session, tx, "released"):
        return False
    await _give_back(session, tx)
    return True


async def return_refunded(session: AsyncSession, tx: ShopTransaction) -> bool:
    """A refunded sale's units go back to stock and to the player's allowance; exactly once ('consumed' → 'returned')."""
    if tx.package_id is None or not await _set_hold(session, tx, "returned", from_state="consumed"):
        return False
    await _give_back(session, tx)
    await session.execute(update(LimitedPackage).where(LimitedPackage.id == tx.package_id).values(
        sold=LimitedPackage.sold - tx.quantity).execution_options(synchronize_session=False))
    return True


async def consume_hold(session: AsyncSession, tx: ShopTransaction) -> str | None:
    """Turn a successful payment's hold into a sale; if the hold was already released, take the units
    again. Returns a reason code (OUT_OF_STOCK / USER_LIMIT) when that is no longer possible."""
    if tx.package_id is None or tx.hold_state is None:
        return None
    if await _set_hold(session, tx, "consumed"):
        await mark_sold(session, tx.package_id, tx.quantity)
        return None
    package = await session.get(LimitedPackage, tx.package_id)
    if package is None:
        return None
    try:
        async with session.begin_nested():
            await _bump_allowance(session, package.id, tx.user_id, tx.quantity, package.per_user_limit)
            await _take_stock(session, package.id, tx.quantity)
    except (errors.OutOfStock, errors.UserLimit) as exc:
        return exc.code
    tx.hold_state = "consumed"
    await mark_sold(session, package.id, tx.quantity)
    return None


async def used_by(session: AsyncSession, package_id: int, user_id: int) -> int:
    """Units of a package the player bought or holds."""
    value = (await session.execute(select(LimitedAllowance.used).where(
        LimitedAllowance.package_id == package_id, LimitedAllowance.user_id == user_id))).scalar_one_or_none()
    return value or 0
