"""Background sweep: void expired pending purchases, release stale stock holds, prune webhook nonces.

Safe on several instances: candidates are read without locks and each one is changed by a conditional
UPDATE (`status='pending'` → 'voided', `hold_state='held'` → 'released'), so only one instance applies it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select

from casino_club.kit.runtime import Runtime
from casino_club.shop import limited, settle
from casino_club.shop.models import ShopTransaction, WebhookNonce
from casino_club.shop.webhook import prune_nonces

BATCH = 200


@dataclass
class SweepResult:
    """What one sweep changed."""

    voided: int = 0
    holds_released: int = 0
    nonces_pruned: int = 0


async def _void(rt: Runtime, tx_id: int) -> bool:
    async with rt.transaction() as session:
        tx = await session.get(ShopTransaction, tx_id)
        if tx is None:
            return False
        return await settle.fail(session, tx, "voided", by="expiry", reason="EXPIRED")


async def _release(rt: Runtime, tx_id: int) -> bool:
    async with rt.transaction() as session:
        tx = await session.get(ShopTransaction, tx_id)
        if tx is None or tx.status != "pending":
            return False
        return await limited.release_hold(session, tx)


async def run_once(rt: Runtime) -> SweepResult:
    """One sweep at the clock's now(); returns the counts (tests call this directly)."""
    now = rt.clock.now()
    result = SweepResult()
    async with rt.sessionmaker() as session:
        expired = list((await session.execute(select(ShopTransaction.id).where(
            ShopTransaction.status == "pending", ShopTransaction.expires_at <= now)
            .order_by(ShopTransaction.id).limit(BATCH))).scalars())
        stale_holds = list((await session.execute(select(ShopTransaction.id).where(
            ShopTransaction.hold_state == "held", ShopTransaction.hold_expires_at <= now,
            ShopTransaction.status == "pending").order_by(ShopTransaction.id).limit(BATCH))).scalars())
        stale_nonce = (await session.execute(select(WebhookNonce.nonce).where(
            WebhookNonce.expires_at < now).limit(1))).first() is not None
    for tx_id in expired:
        result.voided += await _void(rt, tx_id)
    for tx_id in stale_holds:
        result.holds_released += await _release(rt, tx_id)
    if stale_nonce:  # no write transaction (a SQLite write lock) when there is nothing to prune
        async with rt.transaction() as session:
            result.nonces_pruned = await prune_nonces(session, now)
    return result


async def shop_sweeper(rt: Runtime) -> None:
    """Run the sweep forever at the configured interval."""
    while True:
        await run_once(rt)
        await asyncio.sleep(rt.settings.shop_job_interval_s)
