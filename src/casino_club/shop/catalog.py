"""Catalog reads and pricing: effective prices, rank gates and limited-package views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.runtime import session_now
from casino_club.shop.models import GOLD_PACK, LimitedAllowance, LimitedPackage, Product
from casino_club.shop.rules import discount_active, rank_allows, unit_price, window_open
from casino_club.shop.schemas import AdminProductOut, CatalogOut, LimitedInfo, LimitedOut, ProductOut


def package_on_sale(package: LimitedPackage, now: datetime) -> bool:
    """Enabled, inside its window and not sold out."""
    return package.enabled and window_open(package, now) and package.stock > 0


def product_out(product: Product, now: datetime, rank: str | None = None, limited: LimitedInfo | None = None) -> ProductOut:
    """Public view of a product."""
    sellable = product.active and product.deleted_at is None and (limited is None or limited.on_sale)
    return ProductOut(
        id=product.id, sku=product.sku, kind=product.kind,
        name_ko=product.name_ko, name_en=product.name_en, description=product.description,
        description_en=product.description_en,
        currency="cents" if product.kind == GOLD_PACK else "gold", price=product.price,
        effective_price=unit_price(product, now),
        discount_percent=product.discount_percent if discount_active(product, now) else 0,
        discount_ends_at=product.discount_ends_at if discount_active(product, now) else None,
        gold_amount=product.gold_amount, item_id=product.item_id, item_quantity=product.item_quantity,
        min_rank=product.min_rank,
        purchasable=sellable and (rank is None or rank_allows(rank, product.min_rank)), limited=limited)


def admin_product_out(product: Product, now: datetime) -> AdminProductOut:
    """Admin view of a product."""
    base = product_out(product, now)
    return AdminProductOut(**base.model_dump(), active=product.active, sort_order=product.sort_order,
                           created_at=product.created_at, updated_at=product.updated_at,
                           deleted_at=product.deleted_at)


def limited_info(package: LimitedPackage, used: int | None, now: datetime) -> LimitedInfo:
    """Stock and the player's remaining allowance for one package."""
    user_remaining = None
    if package.per_user_limit is not None:
        user_remaining = max(0, package.per_user_limit - (used or 0))
    return LimitedInfo(package_id=package.id, stock_remaining=package.stock, per_user_limit=package.per_user_limit,
                       user_remaining=user_remaining, starts_at=package.starts_at, ends_at=package.ends_at,
                       on_sale=package_on_sale(package, now) and user_remaining != 0)


async def _allowances(session: AsyncSession, user_id: int | None, package_ids: list[int]) -> dict[int, int]:
    if user_id is None or not package_ids:
        return {}
    rows = await session.execute(select(LimitedAllowance.package_id, LimitedAllowance.used).where(
        LimitedAllowance.user_id == user_id, LimitedAllowance.package_id.in_(package_ids)))
    return {r[0]: r[1] for r in rows}


async def catalog(session: AsyncSession, user_id: int, rank: str) -> CatalogOut:
    """Active, non-deleted products (limited ones with their stock) ordered for display."""
    now = session_now(session)
    rows = (await session.execute(
        select(Product, LimitedPackage).outerjoin(LimitedPackage, LimitedPackage.product_id == Product.id)
        .where(Product.active.is_(True), Product.deleted_at.is_(None))
        .order_by(Product.sort_order, Product.id))).all()
    used = await _allowances(session, user_id, [p.id for _, p in rows if p is not None])
    out = CatalogOut(gold_packs=[], items=[])
    for product, package in rows:
        if package is not None and not package.enabled:
            continue  # a disabled limited package hides its product
        info = limited_info(package, used.get(package.id), now) if package is not None else None
        view = product_out(product, now, rank, info)
        (out.gold_packs if product.kind == GOLD_PACK else out.items).append(view)
    return out


async def limited_packages(session: AsyncSession, user_id: int, rank: str) -> list[LimitedOut]:
    """Enabled limited packages whose window has not ended, with stock and the player's allowance."""
    now = session_now(session)
    rows = (await session.execute(
        select(LimitedPackage, Product).join(Product, Product.id == LimitedPackage.product_id)
        .where(LimitedPackage.enabled.is_(True), Product.active.is_(True), Product.deleted_at.is_(None))
        .order_by(Product.sort_order, LimitedPackage.id))).all()
    used = await _allowances(session, user_id, [p.id for p, _ in rows])
    return [package_out(package, product, used.get(package.id), now, rank)
            for package, product in rows if package.ends_at is None or package.ends_at > now]


def package_out(package: LimitedPackage, product: Product, used: int | None, now: datetime,
                rank: str | None = None) -> LimitedOut:
    """View of a limited package."""
    info = limited_info(package, used, now)
    return LimitedOut(id=package.id, product=product_out(product, now, rank, info), stock_remaining=package.stock,
                      sold=package.sold, per_user_limit=package.per_user_limit, user_remaining=info.user_remaining,
                      starts_at=package.starts_at, ends_at=package.ends_at, enabled=package.enabled,
                      on_sale=info.on_sale)
