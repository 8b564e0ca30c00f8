"""Admin CRUD for events and mission templates (soft delete / restore), participants and force-claim; audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import User
from casino_club.kit.errors import NotFound, error
from casino_club.kit.pagination import Page, newest_first
from casino_club.kit.runtime import session_now
from casino_club.missions.events import ensure_progress_rows, join_participation
from casino_club.missions.models import Event, EventParticipation, EventProgress, MissionTemplate
from casino_club.missions.schemas import (
    EventIn,
    EventOut,
    EventUpdate,
    MissionTemplateIn,
    MissionTemplateOut,
    MissionTemplateUpdate,
    ParticipantOut,
    ParticipantPage,
)
from casino_club.rewards.schemas import RewardSpec
from casino_club.rewards.service import check_items

InvalidWindow = error(422, "INVALID_WINDOW", "ends_at must be after starts_at.", "종료 시각은 시작 시각 이후여야 합니다.")
MissionCodeExists = error(409, "MISSION_CODE_EXISTS", "A mission with this code already exists.",
                          "같은 코드의 미션이 이미 있습니다.")
NotDeleted = error(409, "NOT_DELETED", "This item is not deleted.", "삭제된 항목이 아닙니다.")


async def _event_out(session: AsyncSession, e: Event) -> EventOut:
    count = (await session.execute(select(func.count()).select_from(EventParticipation).where(
        EventParticipation.event_id == e.id))).scalar_one()
    return EventOut(id=e.id, code=e.code, title=e.title, description=e.description, title_en=e.title_en,
                    description_en=e.description_en, starts_at=e.starts_at,
                    ends_at=e.ends_at, priority=e.priority, requirements=e.requirements,
                    rewards=RewardSpec(**e.rewards), created_at=e.created_at, updated_at=e.updated_at,
                    deleted_at=e.deleted_at, participants=count)


def _template_out(t: MissionTemplate) -> MissionTemplateOut:
    return MissionTemplateOut(id=t.id, code=t.code, title=t.title, description=t.description, title_en=t.title_en,
                              description_en=t.description_en, period=t.period,
                              metric=t.metric, target=t.target, rewards=RewardSpec(**t.rewards), sort=t.sort,
                              created_at=t.created_at, updated_at=t.updated_at, deleted_at=t.deleted_at)


async def _event(session: AsyncSession, event_id: int) -> Event:
    e = await session.get(Event, event_id)
    if e is None:
        raise NotFound({"event_id": event_id})
    return e


async def _template(session: AsyncSession, template_id: int) -> MissionTemplate:
    t = await session.get(MissionTemplate, template_id)
    if t is None:
        raise NotFound({"mission_id": template_id})
    return t


async def list_events(session: AsyncSession, include_deleted: bool, cursor: str | None,
                      limit: int) -> Page[EventOut]:
    """Events, newest first, optionally with soft-deleted ones."""
    q = select(Event)
    if not include_deleted:
        q = q.where(Event.deleted_at.is_(None))
    rows, after = await newest_first(session, q, Event.id, cursor, limit)
    return Page[EventOut](items=[await _event_out(session, e) for (e,) in rows], next_cursor=after)


async def create_event(session: AsyncSession, ctx: AuditContext, body: EventIn, code: str | None = None) -> EventOut:
    """Create an event (audited)."""
    await check_items(session, body.rewards.items)
    now = session_now(session)
    e = Event(code=code, title=body.title, description=body.description, title_en=body.title_en,
              description_en=body.description_en, starts_at=body.starts_at,
              ends_at=body.ends_at, priority=body.priority, requirements=dict(body.requirements),
              rewards=body.rewards.model_dump(), created_at=now, updated_at=now)
    session.add(e)
    await session.flush()
    out = await _event_out(session, e)
    await audit(session, ctx, "event.create", "event", e.id, None, out.model_dump(mode="json"))
    return out


async def update_event(session: AsyncSession, ctx: AuditContext, event_id: int, body: EventUpdate) -> EventOut:
    """Change an event; new requirement metrics start at zero for existing participants."""
    e = await _event(session, event_id)
    before = (await _event_out(session, e)).model_dump(mode="json")
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude_none=True)
    if body.rewards is not None:
        await check_items(session, body.rewards.items)
        changes["rewards"] = body.rewards.model_dump()
    if body.requirements is not None:
        changes["requirements"] = dict(body.requirements)
    starts, ends = changes.get("starts_at", e.starts_at), changes.get("ends_at", e.ends_at)
    if ends <= starts:
        raise InvalidWindow({"starts_at": starts.isoformat(), "ends_at": ends.isoformat()})
    for key, value in changes.items():
        setattr(e, key, value)
    e.updated_at = session_now(session)
    await session.flush()
    if body.requirements is not None:
        users = (await session.execute(select(EventParticipation.user_id).where(
            EventParticipation.event_id == e.id, EventParticipation.claimed_at.is_(None)))).scalars().all()
        for uid in users:
            await ensure_progress_rows(session, e, uid)
    out = await _event_out(session, e)
    await audit(session, ctx, "event.update", "event", e.id, before, out.model_dump(mode="json"))
    return out


async def delete_event(session: AsyncSession, ctx: AuditContext, event_id: int) -> EventOut:
    """Soft-delete (idempotent: deleting again keeps the first deletion time)."""
    e = await _event(session, event_id)
    if e.deleted_at is None:
        e.deleted_at = e.updated_at = session_now(session)
        await session.flush()
        await audit(session, ctx, "event.delete", "event", e.id, {"deleted_at": None}, {"deleted_at": e.deleted_at})
    return await _event_out(session, e)


async def restore_event(session: AsyncSession, ctx: AuditContext, event_id: int) -> EventOut:
    """Undo a soft delete; 409 NOT_DELETED when it is live."""
    e = await _event(session, event_id)
    if e.deleted_at is None:
        raise NotDeleted({"event_id": event_id})
    before = e.deleted_at
    e.deleted_at, e.updated_at = None, session_now(session)
    await session.flush()
    await audit(session, ctx, "event.restore", "event", e.id, {"deleted_at": before}, {"deleted_at": None})
    return await _event_out(session, e)


async def participants(session: AsyncSession, event_id: int, cursor: str | None, limit: int) -> ParticipantPage:
    """Who joined the event, newest first, with progress."""
    e = await _event(session, event_id)
    q = (select(EventParticipation, User.nickname).join(User, User.id == EventParticipation.user_id)
         .where(EventParticipation.event_id == e.id))
    rows, after = await newest_first(session, q, EventParticipation.id, cursor, limit)
    uids = [p.user_id for p, _ in rows]
    progress: dict[int, dict[str, int]] = {}
    for r in (await session.execute(select(EventProgress).where(
            EventProgress.event_id == e.id, EventProgress.user_id.in_(uids)))).scalars():
        progress.setdefault(r.user_id, {})[r.metric] = r.value
    items = []
    for p, nickname in rows:
        prog = {m: progress.get(p.user_id, {}).get(m, 0) for m in e.requirements}
        items.append(ParticipantOut(id=p.id, user_id=p.user_id, nickname=nickname, joined_at=p.joined_at,
                                    progress=prog, completed=all(prog[m] >= t for m, t in e.requirements.items()),
                                    claimed_at=p.claimed_at, forced=p.forced))
    return ParticipantPage(items=items, next_cursor=after)


async def join_for_claim(session: AsyncSession, event_id: int, user_id: int) -> None:
    """Before a forced claim: the event exists and the player joins it if he has not (no gold moves here)."""
    e = await _event(session, event_id)
    if e.deleted_at is not None:
        raise NotFound({"event_id": event_id})
    if (await session.execute(select(User.id).where(User.id == user_id))).scalar_one_or_none() is None:
        raise NotFound({"user_id": user_id})
    await join_participation(session, e, user_id)


async def list_templates(session: AsyncSession, include_deleted: bool, cursor: str | None,
                         limit: int) -> Page[MissionTemplateOut]:
    """Mission templates, newest first (each carries its display `sort`)."""
    q = select(MissionTemplate)
    if not include_deleted:
        q = q.where(MissionTemplate.deleted_at.is_(None))
    rows, after = await newest_first(session, q, MissionTemplate.id, cursor, limit)
    return Page[MissionTemplateOut](items=[_template_out(t) for (t,) in rows], next_cursor=after)


async def create_template(session: AsyncSession, ctx: AuditContext, body: MissionTemplateIn) -> MissionTemplateOut:
    """Create a mission template; 409 MISSION_CODE_EXISTS on a duplicate code."""
    await check_items(session, body.rewards.items)
    now = session_now(session)
    t = MissionTemplate(code=body.code, title=body.title, description=body.description, title_en=body.title_en,
                        description_en=body.description_en, period=body.period,
                        metric=body.metric, target=body.target, rewards=body.rewards.model_dump(), sort=body.sort,
                        created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(t)
    except IntegrityError as exc:
        raise MissionCodeExists({"code": body.code}) from exc
    out = _template_out(t)
    await audit(session, ctx, "mission.create", "mission", t.id, None, out.model_dump(mode="json"))
    return out


async def update_template(session: AsyncSession, ctx: AuditContext, template_id: int,
                          body: MissionTemplateUpdate) -> MissionTemplateOut:
    """Change a template (progress rows of the current period keep their counts)."""
    t = await _template(session, template_id)
    before = _template_out(t).model_dump(mode="json")
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude_none=True)
    if body.rewards is not None:
        await check_items(session, body.rewards.items)
        changes["rewards"] = body.rewards.model_dump()
    for key, value in changes.items():
        setattr(t, key, value)
    t.updated_at = session_now(session)
    await session.flush()
    out = _template_out(t)
    await audit(session, ctx, "mission.update", "mission", t.id, before, out.model_dump(mode="json"))
    return out


async def delete_template(session: AsyncSession, ctx: AuditContext, template_id: int) -> MissionTemplateOut:
    """Soft-delete a mission template (idempotent)."""
    t = await _template(session, template_id)
    if t.deleted_at is None:
        t.deleted_at = t.updated_at = session_now(session)
        await session.flush()
        await audit(session, ctx, "mission.delete", "mission", t.id, {"deleted_at": None}, {"deleted_at": t.deleted_at})
    return _template_out(t)


async def restore_template(session: AsyncSession, ctx: AuditContext, template_id: int) -> MissionTemplateOut:
    """Undo a soft delete; 409 NOT_DELETED when it is live."""
    t = await _template(session, template_id)
    if t.deleted_at is None:
        raise NotDeleted({"mission_id": template_id})
    before = t.deleted_at
    t.deleted_at, t.updated_at = None, session_now(session)
    await session.flush()
    await audit(session, ctx, "mission.restore", "mission", t.id, {"deleted_at": before}, {"deleted_at": None})
    return _template_out(t)
