"""The HTTP side of purchases: look up what a step names, ask the gateway between steps, hand plans to the writer.

A gold pack is two settlement groups around the gateway call: the buy opens the purchase (stock and promo
held) and leaves its idempotency key in flight; the gateway's answer is the second step, which stores the
request's final answer under that key. No transaction stays open while the gateway is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import bindparam, select

from casino_club.db import core_table
from casino_club.kit.errors import DomainError
from casino_club.kit.runtime import Runtime
from casino_club.settlement.plan import Answer
from casino_club.settlement.writer import SettlementWriter
from casino_club.shop import errors
from casino_club.shop.gateway import Decision, Gateway
from casino_club.shop.models import PromoCode, ShopTransaction
from casino_club.shop.plans import BuyPlan, PurchaseStepPlan, step_failed
from casino_club.shop.schemas import BuyIn

_t = core_table(ShopTransaction).c
TX_REF = select(_t.id, _t.user_id, _t.package_id, _t.promo_id, _t.status, _t.expires_at, _t.total).where(
    _t.receipt_code == bindparam("receipt"))
_p = core_table(PromoCode).c
PROMO_REF = select(_p.id).where(_p.code == bindparam("code"), _p.deleted_at.is_(None))


@dataclass(frozen=True)
class TxRef:
    """What a later step needs to name a purchase (its id, owner, package and promo never change)."""

    id: int
    user_id: int
    package_id: int | None
    promo_id: int | None
    status: str
    expires_at: datetime | None
    total: int

    def step(self, **fields: Any) -> PurchaseStepPlan:
        """A step plan on this purchase."""
        return PurchaseStepPlan(user_id=self.user_id, tx_id=self.id, package_id=self.package_id,
                                promo_id=self.promo_id, **fields)


async def tx_ref(rt: Runtime, receipt: str, user_id: int | None = None) -> TxRef:
    """The purchase with this receipt code (only the caller's own when user_id is given); 404 otherwise."""
    rows = await rt.read(TX_REF, {"receipt": receipt})
    found = TxRef(**rows[0]._mapping) if rows else None
    if found is None or (user_id is not None and found.user_id != user_id):
        raise errors.ReceiptNotFound({"receipt_code": receipt})
    return found


async def promo_id_for(rt: Runtime, code: str) -> int | None:
    """The id of a live promo code (codes are stored upper-case); the plan checks it again under its lock."""
    rows = await rt.read(PROMO_REF, {"code": code.strip().upper()})
    return rows[0][0] if rows else None


def _writer(request: Request) -> SettlementWriter:
    return request.app.state.settlement  # type: ignore[no-any-return]


async def buy(request: Request, fields: dict[str, Any], body: BuyIn, gateway: Gateway) -> Answer:
    """Buy a product: an item settles at once; a gold pack is opened, charged, then settled by the reply."""
    rt: Runtime = request.app.state.rt
    promo_id = await promo_id_for(rt, body.promo_code) if body.promo_code else None
    plan = BuyPlan(**fields, product_id=body.product_id, quantity=body.quantity, promo_id=promo_id,
                   promo_code=body.promo_code, gateway=gateway.name, pending_s=rt.settings.payment_pending_timeout_s,
                   hold_s=rt.settings.shop_hold_s)
    writer = _writer(request)
    try:
        opened = await writer.settle(plan)
        if opened.replayed or opened.body["currency"] == "gold":
            return opened
        ref = await tx_ref(rt, opened.body["receipt_code"])
        decision = Decision.SUCCESS if ref.total == 0 else await gateway.charge(opened.body["receipt_code"], ref.total)
        action = {Decision.SUCCESS: "success", Decision.DECLINED: "failed", Decision.PENDING: "pending"}[decision]
        step = ref.step(session_id=fields.get("session_id"), scope=fields["scope"], key=fields["key"],
                        fingerprint=fields["fingerprint"], lang=fields["lang"], key_mode="finish", action=action,
                        by="gateway", declined_as_error=True, request_id=getattr(request.state, "request_id", None))
        return await writer.settle(step)
    except DomainError as exc:
        step_failed(exc)
        raise


async def poll(request: Request, fields: dict[str, Any], receipt: str, gateway: Gateway) -> Answer:
    """Ask the gateway about one of the player's pending purchases and apply its answer."""
    rt: Runtime = request.app.state.rt
    caller = {k: v for k, v in fields.items() if k != "user_id"}
    ref = await tx_ref(rt, receipt, fields["user_id"])
    action, reason = "view", None
    if ref.status == "pending" and ref.expires_at is not None and ref.expires_at <= rt.clock.now():
        action, reason = "voided", "EXPIRED"
    elif ref.status == "pending":
        decision = await gateway.poll(receipt)
        action = {Decision.SUCCESS: "success", Decision.DECLINED: "failed", Decision.PENDING: "view"}[decision]
    return await _writer(request).settle(ref.step(**caller, action=action, by="poll", reason=reason))
