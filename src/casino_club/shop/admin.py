"""Admin shop services: products, limited packages, promo codes, transactions, force-settle (all audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.inventory.models import Item
from casino_club.kit.errors import ValidationFailed
from casino_club.kit.pagination import Page, newest_first
from casino_club.kit.runtime import session_now
from casino_club.shop import errors, settle
from casino_club.shop.catalog import admin_product_out, package_out
from casino_club.shop.models import GOLD_PACK, LimitedPackage, Product, PromoCode, ShopTransaction
from casino_club.shop.schemas import (
    AdminProductOut,
    AdminTransactionOut,
    AdminTransactionPage,
    LimitedIn,
    LimitedOut,
    LimitedUpdate,
    ProductIn,
    ProductUpdate,
    PromoIn,
    PromoOut,
    PromoUpdate,
)
from casino_club.wallet.models import Account

PRODUCT_FIELDS = ("sku", "kind", "name_ko", "name_en", "description", "description_en", "price", "gold_amount", "item_id",
                  "item_quantity", "discount_percent", "discount_ends_at", "min_rank", "active", "sort_order",
                  "deleted_at")
PACKAGE_FIELDS = ("product_id", "stock", "sold", "per_user_limit", "starts_at", "ends_at", "enabled")
PROMO_FIELDS = ("code", "kind", "value", "product_id", "max_uses", "uses", "starts_at", "ends_at", "active",
                "deleted_at")


def _snap(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


async def _product(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise errors.ProductNotFound({"product_id": product_id})
    return product


async def list_products(session: AsyncSession, include_deleted: bool, cursor: str | None,
                        limit: int) -> Page[AdminProductOut]:
    """Products, newest first (deleted ones only when asked)."""
    q = select(Product)
    if not include_deleted:
        q = q.where(Product.deleted_at.is_(None))
    rows, after = await newest_first(session, q, Product.id, cursor, limit)
    now = session_now(session)
    return Page[AdminProductOut](items=[admin_product_out(p, now) for (p,) in rows], next_cursor=after)


async def create_product(session: AsyncSession, ctx: AuditContext, body: ProductIn) -> AdminProductOut:
    """Add a product; an item product must name an existing inventory item."""
    if body.kind == "item" and await session.get(Item, body.item_id) is None:
        raise errors.UnknownItem({"item_id": body.item_id})
    now = session_now(session)
    values = body.model_dump()
    if body.kind == GOLD_PACK:
        values.update(item_id=None, item_quantity=1)
    else:
        values["gold_amount"] = 0
    product = Product(**values, created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(product)
    except IntegrityError as exc:
        raise errors.SkuTaken({"sku": body.sku}) from exc
    await audit(session, ctx, "shop.product.create", "product", product.id, None, _snap(product, PRODUCT_FIELDS))
    return admin_product_out(product, now)


async def update_product(session: AsyncSession, ctx: AuditContext, product_id: int,
                         body: ProductUpdate) -> AdminProductOut:
    """Change the given fields of a product."""
    product = await _product(session, product_id)
    before = _snap(product, PRODUCT_FIELDS)
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is None and field not in ("description", "description_en", "discount_ends_at"):
            continue  # null means "leave as is" for fields that cannot be empty
        if field == "gold_amount" and product.kind != GOLD_PACK:
            continue
        setattr(product, field, value)
    product.updated_at = session_now(session)
    await session.flush()
    await audit(session, ctx, "shop.product.update", "product", product.id, before, _snap(product, PRODUCT_FIELDS))
    return admin_product_out(product, session_now(session))


async def set_product_deleted(session: AsyncSession, ctx: AuditContext, product_id: int,
                              deleted: bool) -> AdminProductOut:
    """Soft-delete or restore a product (repeating either is a no-op)."""
    product = await _product(session, product_id)
    now = session_now(session)
    if (product.deleted_at is not None) != deleted:
        before = _snap(product, PRODUCT_FIELDS)
        product.deleted_at = now if deleted else None
        product.updated_at = now
        await audit(session, ctx, "shop.product.delete" if deleted else "shop.product.restore", "product",
                    product.id, before, _snap(product, PRODUCT_FIELDS))
    return admin_product_out(product, now)


async def _package(session: AsyncSession, package_id: int) -> tuple[LimitedPackage, Product]:
    row = (await session.execute(select(LimitedPackage, Product).join(Product, Product.id == LimitedPackage.product_id)
                                 .where(LimitedPackage.id == package_id))).one_or_none()
    if row is None:
        raise errors.ProductNotFound({"package_id": package_id})
    return row[0], row[1]


async def list_packages(session: AsyncSession, cursor: str | None, limit: int) -> Page[LimitedOut]:
    """Limited packages, newest first."""
    now = session_now(session)
    q = select(LimitedPackage, Product).join(Product, Product.id == LimitedPackage.product_id)
    rows, after = await newest_first(session, q, LimitedPackage.id, cursor, limit)
    return Page[LimitedOut](items=[package_out(pkg, product, None, now) for pkg, product in rows], next_cursor=after)


async def create_package(session: AsyncSession, ctx: AuditContext, body: LimitedIn) -> LimitedOut:
    """Attach a limited package to a product."""
    product = await _product(session, body.product_id)
    now = session_now(session)
    package = LimitedPackage(**body.model_dump(), sold=0, created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(package)
    except IntegrityError as exc:
        raise errors.PackageExists({"product_id": body.product_id}) from exc
    await audit(session, ctx, "shop.limited.create", "limited_package", package.id, None, _snap(package, PACKAGE_FIELDS))
    return package_out(package, product, None, now)


async def update_package(session: AsyncSession, ctx: AuditContext, package_id: int, body: LimitedUpdate | None,
                         enabled: bool | None = None) -> LimitedOut:
    """Change a package's stock, limit, window or enabled flag."""
    package, product = await _package(session, package_id)
    before = _snap(package, PACKAGE_FIELDS)
    for field in body.model_fields_set if body is not None else ():
        value = getattr(body, field)
        if value is None and field in ("stock", "enabled"):
            continue
        setattr(package, field, value)
    if enabled is not None:
        package.enabled = enabled
    if package.starts_at and package.ends_at and package.ends_at <= package.starts_at:
        raise ValidationFailed({"fields": [{"loc": ["body", "ends_at"], "msg": "ends_at must be after starts_at",
                                            "type": "value_error"}]})
    package.updated_at = session_now(session)
    await session.flush()
    action = "shop.limited.update" if enabled is None else ("shop.limited.enable" if enabled else "shop.limited.disable")
    await audit(session, ctx, action, "limited_package", package.id, before, _snap(package, PACKAGE_FIELDS))
    return package_out(package, product, None, session_now(session))


async def delete_package(session: AsyncSession, ctx: AuditContext, package_id: int) -> dict[str, Any]:
    """Remove a package (its product stays); refused while a payment holds some of its units."""
    package, _ = await _package(session, package_id)
    held = (await session.execute(select(func.count()).select_from(ShopTransaction).where(
        ShopTransaction.package_id == package_id, ShopTransaction.hold_state == "held"))).scalar_one()
    if held:
        raise errors.PackageHasHolds({"held": held})
    before = _snap(package, PACKAGE_FIELDS)
    await session.delete(package)
    await session.flush()
    await audit(session, ctx, "shop.limited.delete", "limited_package", package_id, before, None)
    return {"id": package_id, "deleted": True}


async def list_promos(session: AsyncSession, include_deleted: bool, cursor: str | None,
                      limit: int) -> Page[PromoOut]:
    """Promo codes, newest first (deleted ones only when asked)."""
    q = select(PromoCode)
    if not include_deleted:
        q = q.where(PromoCode.deleted_at.is_(None))
    rows, after = await newest_first(session, q, PromoCode.id, cursor, limit)
    return Page[PromoOut](items=[PromoOut.model_validate(p) for (p,) in rows], next_cursor=after)


async def create_promo(session: AsyncSession, ctx: AuditContext, body: PromoIn) -> PromoOut:
    """Add a promo code (stored upper-case)."""
    if body.product_id is not None:
        await _product(session, body.product_id)
    now = session_now(session)
    promo = PromoCode(**body.model_dump(), uses=0, created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(promo)
    except IntegrityError as exc:
        raise errors.PromoCodeTaken({"code": body.code}) from exc
    await audit(session, ctx, "shop.promo.create", "promo_code", promo.id, None, _snap(promo, PROMO_FIELDS))
    return PromoOut.model_validate(promo)


async def _promo(session: AsyncSession, promo_id: int) -> PromoCode:
    promo = await session.get(PromoCode, promo_id)
    if promo is None:
        raise errors.PromoInvalid({"promo_id": promo_id, "reason": "unknown"})
    return promo


async def update_promo(session: AsyncSession, ctx: AuditContext, promo_id: int, body: PromoUpdate) -> PromoOut:
    """Change a promo code's cap, window or active flag."""
    promo = await _promo(session, promo_id)
    before = _snap(promo, PROMO_FIELDS)
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is None and field == "active":
            continue
        setattr(promo, field, value)
    if promo.max_uses is not None and promo.max_uses < promo.uses:
        promo.max_uses = promo.uses  # a cap below what was already used just closes the code
    promo.updated_at = session_now(session)
    await session.flush()
    await audit(session, ctx, "shop.promo.update", "promo_code", promo.id, before, _snap(promo, PROMO_FIELDS))
    return PromoOut.model_validate(promo)


async def delete_promo(session: AsyncSession, ctx: AuditContext, promo_id: int) -> PromoOut:
    """Soft-delete a promo code (it stops working; past redemptions stay)."""
    promo = await _promo(session, promo_id)
    if promo.deleted_at is None:
        before = _snap(promo, PROMO_FIELDS)
        promo.deleted_at = promo.updated_at = session_now(session)
        promo.active = False
        await session.flush()
        await audit(session, ctx, "shop.promo.delete", "promo_code", promo.id, before, _snap(promo, PROMO_FIELDS))
    return PromoOut.model_validate(promo)


def admin_tx_out(tx: ShopTransaction) -> AdminTransactionOut:
    """Admin view of a purchase."""
    return AdminTransactionOut(**settle.tx_out(tx).model_dump(), id=tx.id, user_id=tx.user_id, gateway=tx.gateway,
                               hold_state=tx.hold_state, settled_by=tx.settled_by)


async def list_transactions(session: AsyncSession, status: str | None, user_id: int | None, owed_only: bool,
                            cursor: str | None, limit: int) -> AdminTransactionPage:
    """Purchases newest first, filterable; `total_owed`: gold the players (or the one player) owe now."""
    q = select(ShopTransaction)
    if status is not None:
        q = q.where(ShopTransaction.status == status)
    if user_id is not None:
        q = q.where(ShopTransaction.user_id == user_id)
    if owed_only:
        q = q.where(ShopTransaction.gold_owed > 0)
    rows, after = await newest_first(session, q, ShopTransaction.id, cursor, limit)
    # What players owe now (debts left by refunds, less what later credits repaid).
    owed_q = select(func.coalesce(func.sum(Account.owed), 0)).where(Account.kind == "player")
    if user_id is not None:
        owed_q = owed_q.where(Account.user_id == user_id)
    total_owed = int((await session.execute(owed_q)).scalar_one())
    return AdminTransactionPage(items=[admin_tx_out(r) for (r,) in rows], next_cursor=after, total_owed=total_owed)
