"""Player shop endpoints and the payment webhook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from casino_club.auth.deps import BEARER_SECURITY, Principal, TokenCaller, current_principal, token_writer
from casino_club.auth.profile import read_rank
from casino_club.kit.idempotency import REPLAYED, stored_replay, user_scope
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.pagination import newest_first
from casino_club.kit.ratelimit import enforce
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.settlement.http import keyed
from casino_club.settlement.plan import Answer
from casino_club.shop import catalog, purchase, settle, webhook
from casino_club.shop.gateway import gateway_for
from casino_club.shop.models import ShopTransaction
from casino_club.shop.schemas import (
    BuyIn,
    CatalogOut,
    LimitedOut,
    PendingCountOut,
    PurchaseOut,
    Status,
    TransactionOut,
    TransactionPage,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(prefix="/api/shop", tags=["shop"])


async def _rank(rt: Runtime, principal: Principal) -> str:
    return await read_rank(rt, principal.user_id)

Receipt = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/catalog", response_model=CatalogOut)
async def get_catalog(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> CatalogOut:
    """Gold packs and items on sale, with effective prices and whether the caller may buy each."""
    async with rt.sessionmaker() as session:
        return await catalog.catalog(session, principal.user_id, await _rank(rt, principal))


@router.get("/limited-packages", response_model=list[LimitedOut])
async def get_limited(principal: Principal = Depends(current_principal),
                      rt: Runtime = Depends(get_runtime)) -> list[LimitedOut]:
    """Limited packages with remaining stock and the caller's remaining allowance."""
    async with rt.sessionmaker() as session:
        return await catalog.limited_packages(session, principal.user_id, await _rank(rt, principal))


async def _fields(request: Request, caller: TokenCaller) -> dict[str, Any]:
    return {"user_id": caller.user_id, "session_id": caller.claims.session_id,
            **await keyed(request, user_scope(caller.user_id))}


def _answer(answer: Answer) -> Response:
    return FastJSONResponse(answer.body, status_code=answer.status,
                            headers={REPLAYED: "true"} if answer.replayed else None)


@router.post("/buy", response_model=PurchaseOut, responses={402: {"description": "PAYMENT_DECLINED"}},
             openapi_extra=BEARER_SECURITY)
async def buy(body: BuyIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Buy a product (idempotent). Items are paid in gold at once; gold packs go through the gateway."""
    rt: Runtime = request.app.state.rt
    fields = await _fields(request, caller)
    if fields["key"] is not None:
        replay = await stored_replay(rt, fields["scope"], fields["key"], fields["fingerprint"])
        if replay is not None:  # a replay is answered without counting it against the purchase limit
            return replay
    await enforce(rt.kv, f"shop_buy:{caller.user_id}", rt.settings.shop_purchase_rate_limit,
                  rt.settings.shop_purchase_rate_window_s)
    return _answer(await purchase.buy(request, fields, body, gateway_for(rt.settings)))


@router.get("/transactions", response_model=TransactionPage)
async def transactions(status: Status | None = None, cursor: str | None = Query(None, max_length=200),
                       limit: int = Query(20, ge=1, le=100), principal: Principal = Depends(current_principal),
                       rt: Runtime = Depends(get_runtime)) -> TransactionPage:
    """The caller's purchases, newest first, optionally by status."""
    q = select(ShopTransaction).where(ShopTransaction.user_id == principal.user_id)
    if status is not None:
        q = q.where(ShopTransaction.status == status)
    async with rt.sessionmaker() as session:
        rows, after = await newest_first(session, q, ShopTransaction.id, cursor, limit)
    return TransactionPage(items=[settle.tx_out(r) for (r,) in rows], next_cursor=after)


@router.get("/transactions/{receipt}", response_model=TransactionOut)
async def transaction(receipt: Receipt, principal: Principal = Depends(current_principal),
                      rt: Runtime = Depends(get_runtime)) -> TransactionOut:
    """One of the caller's purchases by receipt code."""
    async with rt.sessionmaker() as session:
        return settle.tx_out(await settle.by_receipt(session, receipt, principal.user_id))


@router.get("/pending-count", response_model=PendingCountOut)
async def pending_count(principal: Principal = Depends(current_principal),
                        rt: Runtime = Depends(get_runtime)) -> PendingCountOut:
    """How many of the caller's purchases await payment (the shop badge)."""
    async with rt.sessionmaker() as session:
        count = (await session.execute(select(func.count()).select_from(ShopTransaction).where(
            ShopTransaction.user_id == principal.user_id, ShopTransaction.status == "pending"))).scalar_one()
    return PendingCountOut(pending=count)


@router.post("/transactions/{receipt}/settle", response_model=TransactionOut, openapi_extra=BEARER_SECURITY)
async def settle_poll(receipt: Receipt, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Poll the gateway for a pending purchase and apply the answer (no-op once settled)."""
    rt: Runtime = request.app.state.rt
    return _answer(await purchase.poll(request, await _fields(request, caller), receipt, gateway_for(rt.settings)))


@router.post("/webhook/payment", response_model=WebhookOut, openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": WebhookIn.model_json_schema()}}}})
async def payment_webhook(request: Request, rt: Runtime = Depends(get_runtime),
                          x_signature: str | None = Header(None), x_timestamp: str | None = Header(None),
                          x_nonce: str | None = Header(None), x_event_id: str | None = Header(None, max_length=128)
                          ) -> Response:
    """Gateway callback: `X-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, `X-Timestamp` (unix s,
    ±300 s), `X-Nonce` (single use), optional `X-Event-Id` (de-duplicated)."""
    raw = await request.body()
    webhook.verify_headers(rt.settings, raw, x_signature, x_timestamp, x_nonce, rt.clock.now())
    body = webhook.parse_body(raw)
    return await webhook.handle(request, body, x_event_id, x_nonce or "")
