"""Helpers for engagement tests: put the shared clock at an exact local time, read outbox events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.outbox.models import OutboxEvent

# Long-lived access tokens so tests can move the clock by days without logging in again.
LONG_TOKENS = {"access_token_minutes": 60 * 24 * 365}
# The streak mechanics tests read best with round numbers: day n pays min(800 + 200 n, 2,800), whatever the
# shipped schedule (docs/economy.md).
ROUND_STREAK = {"streak_base_gold": 800, "streak_step_gold": 200, "streak_max_gold": 2800}


def set_local(clock: Clock, year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """Move the clock so that local (operator timezone) time is exactly this; returns that instant in UTC."""
    target = datetime(year, month, day, hour, minute, tzinfo=clock.tz).astimezone(UTC)
    clock.set_offset(target - datetime.now(UTC))
    return target


def set_utc(clock: Clock, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Move the clock so that UTC time is exactly this."""
    target = datetime(year, month, day, hour, minute, tzinfo=UTC)
    clock.set_offset(target - datetime.now(UTC))
    return target


async def events_of(rt: Runtime, user_id: int, type_: str | None = None) -> list[dict[str, Any]]:
    """The player's outbox events (type + data), oldest first."""
    async with rt.sessionmaker() as session:
        q = select(OutboxEvent).where(OutboxEvent.user_id == user_id)
        if type_:
            q = q.where(OutboxEvent.type == type_)
        rows = (await session.execute(q.order_by(OutboxEvent.seq))).scalars().all()
    return [{"type": r.type, "data": r.data, "seq": r.seq} for r in rows]
