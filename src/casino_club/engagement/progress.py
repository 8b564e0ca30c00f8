"""The one entry point through which gameplay, purchases and claims feed levels, missions and events.

Callers on the ORM path (shop, reward distribution) report what happened (never a client-supplied value);
the subscriber create_app registers updates mission/event progress in the same transaction. Settlement plans
advance progress with the pure rules in settlement/rules/progress.py instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.outbox.service import emit
from casino_club.settlement.rules.levels import level_for

# Metrics that subscribers understand: games_played, wins, slot_spins, rps_plays, gacha_pulls, crash_rounds,
# gold_wagered, gold_spent, purchases, login_days, streak_claims.
ProgressSubscriber = Callable[[AsyncSession, int, dict[str, int]], Awaitable[None]]
_subscribers: list[ProgressSubscriber] = []


def subscribe(fn: ProgressSubscriber) -> ProgressSubscriber:
    """Register a progress subscriber (missions, events); the app does it when it is built, not at import."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


async def record_progress(session: AsyncSession, user_id: int, metrics: dict[str, int]) -> None:
    """Report activity counts for a player; every subscriber updates its progress in this transaction."""
    clean = {k: int(v) for k, v in metrics.items() if int(v) > 0}
    if not clean:
        return
    for fn in list(_subscribers):
        await fn(session, user_id, clean)


async def add_xp(session: AsyncSession, user_id: int, xp: int, source: str) -> tuple[int, int]:
    """Add XP atomically; emits `level_up` when the level changes. Returns (new xp, new level)."""
    if xp <= 0:
        current = (await session.execute(select(User.xp).where(User.id == user_id))).scalar_one()
        return current, level_for(current)
    new_xp = (await session.execute(update(User).where(User.id == user_id).values(xp=User.xp + xp)
                                    .returning(User.xp))).scalar_one()
    before, after = level_for(new_xp - xp), level_for(new_xp)
    if after > before:
        await emit(session, user_id, "level_up", {"level": after, "previous_level": before, "xp": new_xp,
                                                  "source": source})
    return new_xp, after
