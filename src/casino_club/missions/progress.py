"""The engagement.progress subscriber: mission and event progress, updated in the cause's transaction.

Only the server reports activity (games, shop, streak call record_progress); nothing here reads a
client-supplied value. Counters change through atomic `value = value + n` UPDATEs so concurrent rounds
of one player never lose an increment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.runtime import session_clock, session_now
from casino_club.missions.models import Event, EventParticipation, EventProgress, MissionProgress, MissionTemplate
from casino_club.outbox.service import emit
from casino_club.settlement.rules.progress import period_start


def period_end(period: str, start: date) -> date:
    """Local day after the period."""
    return start + timedelta(days=7 if period == "weekly" else 1)


async def _bump_mission(session: AsyncSession, template_id: int, user_id: int, start: date, inc: int,
                        now: datetime) -> tuple[int, bool]:
    stmt = (update(MissionProgress).where(MissionProgress.template_id == template_id, MissionProgress.user_id == user_id,
                                          MissionProgress.period_start == start)
            .values(value=MissionProgress.value + inc, updated_at=now)
            .returning(MissionProgress.value, MissionProgress.claimed_at)
            .execution_options(synchronize_session=False))
    row = (await session.execute(stmt)).one_or_none()
    if row is not None:
        return row[0], row[1] is not None
    try:
        async with session.begin_nested():
            session.add(MissionProgress(template_id=template_id, user_id=user_id, period_start=start, value=inc,
                                        updated_at=now))
        return inc, False
    except IntegrityError:  # created concurrently: increment that row instead
        row = (await session.execute(stmt)).one()
        return row[0], row[1] is not None


async def _missions(session: AsyncSession, user_id: int, metrics: dict[str, int], today: date,
                    now: datetime) -> list[dict[str, Any]]:
    templates = (await session.execute(select(MissionTemplate).where(
        MissionTemplate.deleted_at.is_(None), MissionTemplate.metric.in_(list(metrics))))).scalars().all()
    changes = []
    for t in templates:
        inc = metrics[t.metric]
        start = period_start(t.period, today)
        value, claimed = await _bump_mission(session, t.id, user_id, start, inc, now)
        completed = value >= t.target
        if completed and value - inc < t.target:
            await session.execute(update(MissionProgress).where(
                MissionProgress.template_id == t.id, MissionProgress.user_id == user_id,
                MissionProgress.period_start == start, MissionProgress.completed_at.is_(None))
                .values(completed_at=now).execution_options(synchronize_session=False))
        if claimed:  # already paid this period: keep counting quietly
            continue
        changes.append({"kind": "mission", "id": t.id, "code": t.code, "title": t.title, "metric": t.metric,
                        "value": value, "target": t.target, "completed": completed,
                        "period_start": start.isoformat()})
    return changes


async def _events(session: AsyncSession, user_id: int, metrics: dict[str, int], now: datetime) -> list[dict[str, Any]]:
    active = select(Event.id).where(Event.deleted_at.is_(None), Event.starts_at <= now, Event.ends_at > now)
    open_ids = list((await session.execute(select(EventParticipation.event_id).where(
        EventParticipation.user_id == user_id, EventParticipation.claimed_at.is_(None),
        EventParticipation.event_id.in_(active)))).scalars())
    if not open_ids:  # the usual case for a game round: one cheap indexed read, no writes
        return []
    touched: dict[int, dict[str, int]] = {}
    for metric, inc in metrics.items():
        rows = (await session.execute(
            update(EventProgress).where(EventProgress.user_id == user_id, EventProgress.metric == metric,
                                        EventProgress.event_id.in_(open_ids))
            .values(value=EventProgress.value + inc).returning(EventProgress.event_id, EventProgress.value)
            .execution_options(synchronize_session=False))).all()
        for event_id, value in rows:
            touched.setdefault(event_id, {})[metric] = value
    changes = []
    for event_id in sorted(touched):
        event = await session.get(Event, event_id)
        if event is None:
            continue
        progress = await event_progress_of(session, event_id, user_id)
        completed = all(progress.get(m, 0) >= t for m, t in event.requirements.items())
        if completed:
            await session.execute(update(EventParticipation).where(
                EventParticipation.event_id == event_id, EventParticipation.user_id == user_id,
                EventParticipation.completed_at.is_(None)).values(completed_at=now)
                .execution_options(synchronize_session=False))
        changes.append({"kind": "event", "id": event_id, "title": event.title, "progress": progress,
                        "requirements": event.requirements, "completed": completed})
    return changes


async def event_progress_of(session: AsyncSession, event_id: int, user_id: int) -> dict[str, int]:
    """A participant's counters for one event."""
    rows = await session.execute(select(EventProgress.metric, EventProgress.value).where(
        and_(EventProgress.event_id == event_id, EventProgress.user_id == user_id)))
    return {m: v for m, v in rows}


async def on_progress(session: AsyncSession, user_id: int, metrics: dict[str, int]) -> None:
    """Advance the player's missions and joined events; emit one event_progress when anything moved."""
    now = session_now(session)
    changes = await _missions(session, user_id, metrics, session_clock(session).today(), now)
    changes += await _events(session, user_id, metrics, now)
    if changes:
        await emit(session, user_id, "event_progress", {"metrics": metrics, "updates": changes})
