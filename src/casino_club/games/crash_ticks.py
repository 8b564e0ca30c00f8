"""Live crash progress: each open round's current multiplier, pushed to its player's sockets a few times a second.

Ticks are control frames (`crash_tick`, no seq): nothing is stored, a missed tick is simply superseded by the
next, and the round's end still arrives as its `game_update` event. Each instance ticks only the players with
a socket on it, so several instances never send the same tick twice. A tick never tells more than "not
crashed yet": rounds past their crash point or their end time get none (the settler ends them).
"""

from __future__ import annotations

import asyncio
import math

import structlog
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from casino_club.games.crash_plans import exact_point
from casino_club.games.models import CrashRound
from casino_club.games.rules import crash
from casino_club.kit.runtime import Runtime
from casino_club.realtime.runtime import get_realtime

log = structlog.get_logger(__name__)

CRASH_TICK = "crash_tick"


async def crash_ticker(rt: Runtime) -> None:
    """Background job: push `crash_tick` frames every `crash_tick_interval_s` (0 = off)."""
    interval = rt.settings.crash_tick_interval_s
    if interval <= 0:
        return
    hub = get_realtime(rt).hub
    while True:
        await asyncio.sleep(interval)
        if not hub.count:
            continue  # nobody connected here: no query
        try:
            await tick_once(rt)
        except SQLAlchemyError as exc:  # the next tick tries again; the round itself is unaffected
            log.warning("crash_tick_failed", error=repr(exc))


async def tick_once(rt: Runtime) -> int:
    """Push one tick for every open round whose player has a socket on this instance; how many were sent."""
    hub = get_realtime(rt).hub
    async with rt.sessionmaker() as session:
        rows = (await session.execute(
            select(CrashRound).where(CrashRound.status == "open"))).scalars().all()
    now = rt.clock.now()
    sent = 0
    for c in rows:
        round_id, user_id, stake = c.round_id, c.user_id, c.stake
        if not hub.wants(user_id) or now >= c.due_at:
            continue
        elapsed = (now - c.started_at).total_seconds()
        if not crash.cashout_wins(crash.multiplier_at(elapsed), exact_point(c.crash_word, c.crash_x100)):
            continue  # crashed, not yet settled: silence, never a multiplier past the crash point
        elapsed_ms = int(elapsed * 1000)  # what the tick reports is all derived from this one number
        multiplier = crash.multiplier_at(elapsed_ms / 1000)
        # The payout shown is the whole part: fair rounding may add 1 gold at the real cash-out.
        hub.send_live(user_id, CRASH_TICK, {
            "round_id": round_id, "stake": stake, "elapsed_ms": elapsed_ms, "growth_rate": crash.GROWTH_RATE,
            "multiplier": round(multiplier, 2), "payout": math.floor(crash.cashout_value(stake, multiplier))})
        sent += 1
    return sent
