"""Background sweep: void expired pending purchases, release stale stock holds, prune webhook nonces.

Safe on several instances: candidates are read without locks and each change is a settlement step that
applies only while the purchase is still in the state the sweep found (pending, or held past its time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from casino_club.kit.errors import DomainError
from casino_club.kit.runtime import Runtime
from casino_club.settlement.writer import SettlementWriter
from casino_club.shop.models import ShopTransaction, WebhookNonce
from casino_club.shop.plans import PurchaseStepPlan
from casino_club.shop.webhook import prune_nonces

BATCH = 200


@dataclass
class SweepResult:
    """What one sweep changed."""

    voided: int = 0
    holds_released: int = 0
    nonces_pruned: int = 0


def _candidates(now: datetime, kind: str) -> Select[int, int, int | None, int | None]:
    t = ShopTransaction
    q = select(t.id, t.user_id, t.package_id, t.promo_id).where(t.status == "pending")
    q = q.where(t.expires_at <= now) if kind == "expired" else q.where(t.hold_state == "held", t.hold_expires_at <= now)
    return q.order_by(t.id).limit(BATCH)


async def _step(writer: SettlementWriter, row: Any, action: str) -> bool:
    tx_id, user_id, package_id, promo_id = row
    plan = PurchaseStepPlan(user_id=user_id, tx_id=tx_id, package_id=package_id, promo_id=promo_id, action=action,
                            by="expiry", reason="EXPIRED" if action == "voided" else None, answer="webhook")
    try:
        answer = await writer.settle(plan)
    except DomainError:  # gone meanwhile (a receipt is never deleted, but be safe): nothing to do
        return False
    return bool(answer.body["applied"])


async def run_once(rt: Runtime, writer: SettlementWriter) -> SweepResult:
    """One sweep at the clock's now(); returns the counts (tests call this directly)."""
    now = rt.clock.now()
    result = SweepResult()
    async with rt.sessionmaker() as session:
        expired = (await session.execute(_candidates(now, "expired"))).all()
        stale_holds = (await session.execute(_candidates(now, "holds"))).all()
        stale_nonce = (await session.execute(select(WebhookNonce.nonce).where(
            WebhookNonce.expires_at < now).limit(1))).first() is not None
    for row in expired:
        result.voided += await _step(writer, row, "voided")
    for row in stale_holds:
        result.holds_released += await _step(writer, row, "release_hold")
    if stale_nonce:  # no write transaction (a SQLite write lock) when there is nothing to prune
        async with rt.transaction() as session:
            result.nonces_pruned = await prune_nonces(session, now)
    return result


def shop_sweeper(writer: SettlementWriter) -> Callable[[Runtime], Awaitable[None]]:
    """The sweep, forever at the configured interval, through this instance's writer."""
    async def sweep(rt: Runtime) -> None:
        while True:
            await run_once(rt, writer)
            await asyncio.sleep(rt.settings.shop_job_interval_s)
    return sweep
