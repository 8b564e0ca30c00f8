"""Player side of events: list active events with progress, join (idempotent), claim once when complete."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import NotFound, error
from casino_club.kit.runtime import session_now
from casino_club.missions.models import Event, EventParticipation, EventProgress
from casino_club.missions.progress import event_progress_of
from casino_club.missions.schemas import EventList, JoinOut, MyEventOut
from casino_club.rewards.schemas import RewardSpec

EventNotActive = error(409, "EVENT_NOT_ACTIVE", "This event is not running now.", "진행 중인 이벤트가 아닙니다.")
EventNotJoined = error(409, "EVENT_NOT_JOINED", "Join the event first.", "먼저 이벤트에 참여하세요.")
EventIncomplete = error(409, "EVENT_INCOMPLETE", "The event's goals are not complete yet.",
                        "이벤트 목표를 아직 달성하지 않았습니다.")


def _view(event: Event, part: EventParticipation | None, progress: dict[str, int]) -> MyEventOut:
    completed = part is not None and all(progress.get(m, 0) >= t for m, t in event.requirements.items())
    return MyEventOut(id=event.id, title=event.title, description=event.description, title_en=event.title_en,
                      description_en=event.description_en, starts_at=event.starts_at,
                      ends_at=event.ends_at, priority=event.priority, requirements=event.requirements,
                      rewards=RewardSpec(**event.rewards), joined=part is not None,
                      progress={m: progress.get(m, 0) for m in event.requirements}, completed=completed,
                      claimed=bool(part and part.claimed_at))


async def list_events(session: AsyncSession, user_id: int) -> EventList:
    """Running events, highest priority first, with the caller's participation and progress."""
    now = session_now(session)
    events = (await session.execute(select(Event).where(
        Event.deleted_at.is_(None), Event.starts_at <= now, Event.ends_at > now)
        .order_by(Event.priority.desc(), Event.starts_at, Event.id).limit(100))).scalars().all()
    ids = [e.id for e in events]
    parts = {p.event_id: p for p in (await session.execute(select(EventParticipation).where(
        EventParticipation.user_id == user_id, EventParticipation.event_id.in_(ids)))).scalars()}
    progress: dict[int, dict[str, int]] = {}
    for row in (await session.execute(select(EventProgress).where(
            EventProgress.user_id == user_id, EventProgress.event_id.in_(ids)))).scalars():
        progress.setdefault(row.event_id, {})[row.metric] = row.value
    return EventList(items=[_view(e, parts.get(e.id), progress.get(e.id, {})) for e in events])


async def _live_event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.deleted_at is not None:
        raise NotFound({"event_id": event_id})
    return event


async def ensure_progress_rows(session: AsyncSession, event: Event, user_id: int) -> None:
    """Zero counters for every required metric the participant does not track yet."""
    have = set((await session.execute(select(EventProgress.metric).where(
        EventProgress.event_id == event.id, EventProgress.user_id == user_id))).scalars())
    for metric in event.requirements:
        if metric not in have:
            session.add(EventProgress(event_id=event.id, user_id=user_id, metric=metric, value=0))
    await session.flush()


async def join_participation(session: AsyncSession, event: Event, user_id: int) -> tuple[EventParticipation, bool]:
    """The participation row, created if missing → (row, created)."""
    query = select(EventParticipation).where(EventParticipation.event_id == event.id,
                                             EventParticipation.user_id == user_id)
    part = (await session.execute(query)).scalar_one_or_none()
    if part is not None:
        return part, False
    try:
        async with session.begin_nested():
            part = EventParticipation(event_id=event.id, user_id=user_id, joined_at=session_now(session))
            session.add(part)
    except IntegrityError:  # joined concurrently
        return (await session.execute(query)).scalar_one(), False
    await ensure_progress_rows(session, event, user_id)
    return part, True


async def join(session: AsyncSession, user_id: int, event_id: int) -> JoinOut:
    """Join a running event; joining again answers idempotent=true. Progress counts from the join on."""
    event = await _live_event(session, event_id)
    now = session_now(session)
    if not (event.starts_at <= now < event.ends_at):
        raise EventNotActive({"event_id": event_id})
    part, created = await join_participation(session, event, user_id)
    return JoinOut(idempotent=not created, event=_view(event, part, await event_progress_of(session, event.id, user_id)))
