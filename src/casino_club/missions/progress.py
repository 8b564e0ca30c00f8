"""Mission and event progress reads (progress itself moves only in settlement plans: settlement/rules/progress.py)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.missions.models import EventProgress


def period_end(period: str, start: date) -> date:
    """Local day after the period."""
    return start + timedelta(days=7 if period == "weekly" else 1)


async def event_progress_of(session: AsyncSession, event_id: int, user_id: int) -> dict[str, int]:
    """A participant's counters for one event."""
    rows = await session.execute(select(EventProgress.metric, EventProgress.value).where(
        and_(EventProgress.event_id == event_id, EventProgress.user_id == user_id)))
    return {m: v for m, v in rows}
