"""Crash reads and the settler: rounds are started and ended by plans (games/crash_plans.py).

Rounds nobody cashes out end at their `due_at` (the auto cash-out time when it is reached, else the crash
time), ended by whoever asks first: the settler job on any instance, a late cash-out or a read of the round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.games.crash_plans import CrashEndPlan
from casino_club.games.errors import RoundNotFound
from casino_club.games.models import CrashRound, GameRound
from casino_club.games.rules import crash
from casino_club.games.schemas import CrashRoundOut
from casino_club.games.service_common import round_out
from casino_club.kit.errors import DomainError
from casino_club.kit.runtime import Runtime
from casino_club.settlement.writer import SettlementWriter

SETTLE_INTERVAL_S = 0.5
SETTLE_BATCH = 200


def view(r: GameRound, c: CrashRound, now: datetime) -> CrashRoundOut:
    """Public view of a crash round; an open round shows the live multiplier, never the crash point."""
    elapsed = max(0.0, (now - c.started_at).total_seconds())
    live = crash.multiplier_at(elapsed) if c.status == "open" else None
    return CrashRoundOut(**round_out(r).model_dump(), started_at=c.started_at, server_time=now,
                         elapsed_seconds=round(elapsed, 6), current_multiplier=live, growth_rate=crash.GROWTH_RATE)


async def open_round_on(session: AsyncSession, pair_id: int) -> int | None:
    """A crash round still open on a seed pair (its seed must stay secret until the round ends), if any."""
    return (await session.execute(select(CrashRound.round_id).where(
        CrashRound.seed_pair_id == pair_id, CrashRound.status == "open").limit(1))).scalar_one_or_none()


async def end_due(writer: SettlementWriter, user_id: int, round_id: int) -> bool:
    """End one due round through the settlement writer; False if it had ended already (or is not due)."""
    try:
        await writer.settle(CrashEndPlan(user_id=user_id, round_id=round_id, mode="due"))
    except DomainError:
        return False
    return True


async def get_round(rt: Runtime, writer: SettlementWriter, user_id: int, round_id: int) -> CrashRoundOut:
    """A crash round of the caller; one that is past due is ended first, so the view is never stale."""
    for _ in range(2):
        async with rt.sessionmaker() as session:
            c = await session.get(CrashRound, round_id)
            if c is None or c.user_id != user_id:
                raise RoundNotFound({"round_id": round_id})
            now = rt.clock.now()
            if c.status != "open" or now < c.due_at:
                r = await session.get(GameRound, round_id)
                assert r is not None
                return view(r, c, now)
        await end_due(writer, user_id, round_id)
    raise RoundNotFound({"round_id": round_id})  # pragma: no cover - ended above, so the second read returns


async def settle_due_rounds(rt: Runtime, writer: SettlementWriter, limit: int = SETTLE_BATCH) -> int:
    """End every open round whose due time has passed (safe on many instances; catches up after restarts)."""
    now = rt.clock.now()
    async with rt.sessionmaker() as session:
        due = list((await session.execute(
            select(CrashRound.round_id, CrashRound.user_id).where(CrashRound.status == "open", CrashRound.due_at <= now)
            .order_by(CrashRound.due_at).limit(limit))).all())
    # Queued together, the rounds end in groups like any other plans.
    ended = await asyncio.gather(*(end_due(writer, user_id, round_id) for round_id, user_id in due))
    return sum(ended)


def crash_settler(writer: SettlementWriter) -> Callable[[Runtime], Awaitable[None]]:
    """Background job: end due crash rounds every SETTLE_INTERVAL_S seconds."""

    async def job(rt: Runtime) -> None:
        while True:
            if await settle_due_rounds(rt, writer) < SETTLE_BATCH:
                await asyncio.sleep(SETTLE_INTERVAL_S)

    return job
