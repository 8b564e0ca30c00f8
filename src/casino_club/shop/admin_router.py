"""Admin shop endpoints under /api/admin/shop (plus the force-settle path under /api/admin/transactions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from casino_club.admin.audit import AuditContext
from casino_club.auth.deps import Principal, require_admin, writer
from casino_club.kit.idempotency import Writer
from casino_club.kit.pagination import Cursor, Limit, Page
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.settlement.http import keyed, respond
from casino_club.shop import admin, purchase
from casino_club.shop.schemas import (
    AdminProductOut,
    AdminTransactionOut,
    AdminTransactionPage,
    ForceSettleIn,
    LimitedIn,
    LimitedOut,
    LimitedUpdate,
    ProductIn,
    ProductUpdate,
    PromoIn,
    PromoOut,
    PromoUpdate,
    Status,
)

router = APIRouter(prefix="/api/admin", tags=["admin-shop"])
Id = Annotated[int, Path(ge=1, le=2**62)]
Receipt = Annotated[str, Path(min_length=1, max_length=32)]


class DeletedOut(BaseModel):
    """A hard delete's result."""

    id: int
    deleted: bool


def _ctx(request: Request, who: Principal) -> AuditContext:
    return AuditContext.of(request, who.user_id)


@router.get("/shop/products", response_model=Page[AdminProductOut])
async def list_products(include_deleted: bool = False, cursor: Cursor = None, limit: Limit = 50,
                        who: Principal = Depends(require_admin), rt: Runtime = Depends(get_runtime)) -> Any:
    """Products, newest first; soft-deleted ones only with include_deleted=true."""
    async with rt.sessionmaker() as session:
        return await admin.list_products(session, include_deleted, cursor, limit)


@router.post("/shop/products", response_model=AdminProductOut, status_code=201)
async def create_product(body: ProductIn, request: Request, who: Principal = Depends(require_admin),
                         w: Writer = Depends(writer)) -> Response:
    """Create a gold pack (price in cents) or an item product (price in gold)."""
    return await w.run(lambda s: admin.create_product(s, _ctx(request, who), body), status_code=201)


@router.put("/shop/products/{product_id}", response_model=AdminProductOut)
async def update_product(product_id: Id, body: ProductUpdate, request: Request,
                         who: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Change the fields given in the body."""
    return await w.run(lambda s: admin.update_product(s, _ctx(request, who), product_id, body))


@router.delete("/shop/products/{product_id}", response_model=AdminProductOut)
async def delete_product(product_id: Id, request: Request, who: Principal = Depends(require_admin),
                         w: Writer = Depends(writer)) -> Response:
    """Soft-delete a product (hidden from the catalog; history keeps it)."""
    return await w.run(lambda s: admin.set_product_deleted(s, _ctx(request, who), product_id, True))


@router.post("/shop/products/{product_id}/restore", response_model=AdminProductOut)
async def restore_product(product_id: Id, request: Request, who: Principal = Depends(require_admin),
                          w: Writer = Depends(writer)) -> Response:
    """Undo a soft delete."""
    return await w.run(lambda s: admin.set_product_deleted(s, _ctx(request, who), product_id, False))


@router.get("/shop/limited-packages", response_model=Page[LimitedOut])
async def list_packages(cursor: Cursor = None, limit: Limit = 50, who: Principal = Depends(require_admin),
                        rt: Runtime = Depends(get_runtime)) -> Any:
    """Limited packages with stock and sales, newest first."""
    async with rt.sessionmaker() as session:
        return await admin.list_packages(session, cursor, limit)


@router.post("/shop/limited-packages", response_model=LimitedOut, status_code=201)
async def create_package(body: LimitedIn, request: Request, who: Principal = Depends(require_admin),
                         w: Writer = Depends(writer)) -> Response:
    """Attach stock, a sale window and a per-player limit to a product."""
    return await w.run(lambda s: admin.create_package(s, _ctx(request, who), body), status_code=201)


@router.put("/shop/limited-packages/{package_id}", response_model=LimitedOut)
async def update_package(package_id: Id, body: LimitedUpdate, request: Request,
                         who: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Change stock (remaining sellable units), limit, window or enabled flag."""
    return await w.run(lambda s: admin.update_package(s, _ctx(request, who), package_id, body))


@router.post("/shop/limited-packages/{package_id}/enable", response_model=LimitedOut)
async def enable_package(package_id: Id, request: Request, who: Principal = Depends(require_admin),
                         w: Writer = Depends(writer)) -> Response:
    """Put a package on sale."""
    return await w.run(lambda s: admin.update_package(s, _ctx(request, who), package_id, None, True))


@router.post("/shop/limited-packages/{package_id}/disable", response_model=LimitedOut)
async def disable_package(package_id: Id, request: Request, who: Principal = Depends(require_admin),
                          w: Writer = Depends(writer)) -> Response:
    """Take a package off sale (its product disappears from the catalog)."""
    return await w.run(lambda s: admin.update_package(s, _ctx(request, who), package_id, None, False))


@router.delete("/shop/limited-packages/{package_id}", response_model=DeletedOut)
async def delete_package(package_id: Id, request: Request, who: Principal = Depends(require_admin),
                         w: Writer = Depends(writer)) -> Response:
    """Remove a package; 409 PACKAGE_HAS_HOLDS while payments hold its units."""
    return await w.run(lambda s: admin.delete_package(s, _ctx(request, who), package_id))


@router.get("/shop/promo-codes", response_model=Page[PromoOut])
async def list_promos(include_deleted: bool = False, cursor: Cursor = None, limit: Limit = 50,
                      who: Principal = Depends(require_admin), rt: Runtime = Depends(get_runtime)) -> Any:
    """Promo codes with their use counts, newest first."""
    async with rt.sessionmaker() as session:
        return await admin.list_promos(session, include_deleted, cursor, limit)


@router.post("/shop/promo-codes", response_model=PromoOut, status_code=201)
async def create_promo(body: PromoIn, request: Request, who: Principal = Depends(require_admin),
                       w: Writer = Depends(writer)) -> Response:
    """Create a percent or fixed promo code, global or for one product."""
    return await w.run(lambda s: admin.create_promo(s, _ctx(request, who), body), status_code=201)


@router.put("/shop/promo-codes/{promo_id}", response_model=PromoOut)
async def update_promo(promo_id: Id, body: PromoUpdate, request: Request, who: Principal = Depends(require_admin),
                       w: Writer = Depends(writer)) -> Response:
    """Change a promo code's cap, window or active flag."""
    return await w.run(lambda s: admin.update_promo(s, _ctx(request, who), promo_id, body))


@router.delete("/shop/promo-codes/{promo_id}", response_model=PromoOut)
async def delete_promo(promo_id: Id, request: Request, who: Principal = Depends(require_admin),
                       w: Writer = Depends(writer)) -> Response:
    """Soft-delete a promo code."""
    return await w.run(lambda s: admin.delete_promo(s, _ctx(request, who), promo_id))


@router.get("/shop/transactions", response_model=AdminTransactionPage)
async def list_transactions(status: Status | None = None, user_id: int | None = Query(None, ge=1, le=2**62),
                            owed_only: bool = False, cursor: str | None = Query(None, max_length=200),
                            limit: int = Query(50, ge=1, le=200), who: Principal = Depends(require_admin),
                            rt: Runtime = Depends(get_runtime)) -> AdminTransactionPage:
    """All purchases, newest first, with clawed-back and owed gold."""
    async with rt.sessionmaker() as session:
        return await admin.list_transactions(session, status, user_id, owed_only, cursor, limit)


@router.post("/transactions/{receipt}/force-settle", response_model=AdminTransactionOut)
@router.post("/shop/transactions/{receipt}/force-settle", response_model=AdminTransactionOut,
             include_in_schema=False)
async def force_settle(receipt: Receipt, body: ForceSettleIn, request: Request,
                       who: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Settle a pending purchase as success or failed (audited); 409 INVALID_TRANSITION once settled."""
    rt: Runtime = request.app.state.rt
    ref = await purchase.tx_ref(rt, receipt)
    fields = await keyed(request, w.scope)
    plan = ref.step(**fields, action=body.status, by="admin", reason="ADMIN_FAILED" if body.status == "failed" else None,
                    answer="admin", audit=_ctx(request, who), audit_reason=body.reason)
    return await respond(request, plan)
