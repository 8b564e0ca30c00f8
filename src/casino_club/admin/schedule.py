"""The reward schedule in admin: read the effective one and the defaults, override it, go back to the defaults."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.economy.models import SCHEDULE_ROW_ID, RewardScheduleOverride
from casino_club.economy.schedule import RewardSchedule
from casino_club.economy.schedule_cache import Effective, effective_of, note_changed
from casino_club.kit.runtime import session_now, session_settings
from casino_club.streaks.rules import reward_for
from casino_club.streaks.schemas import DayReward

PREVIEW_DAYS = 30


class ScheduleIn(BaseModel):
    """Every field of a reward schedule (types here; ranges and base ≤ max: 422 SCHEDULE_INVALID)."""

    model_config = ConfigDict(extra="forbid")
    streak_base_gold: int
    streak_step_gold: int
    streak_max_gold: int
    streak_base_xp: int
    streak_step_xp: int
    streak_max_xp: int
    welcome_gold: int
    free_gold_daily_cap: int | None = None

    def schedule(self) -> RewardSchedule:
        """The validated value."""
        return RewardSchedule(**self.model_dump())


class ScheduleValues(ScheduleIn):
    """A schedule as the API shows it."""

    @classmethod
    def of(cls, schedule: RewardSchedule) -> ScheduleValues:
        """The API shape of a schedule."""
        return cls(**schedule.as_dict())


class ScheduleOut(BaseModel):
    """The schedule in force, the CASINO_* defaults, whether an admin override is set, and days 1..30 of the streak."""

    effective: ScheduleValues
    defaults: ScheduleValues
    overridden: bool
    updated_at: datetime | None
    updated_by: int | None
    streak_preview: list[DayReward]


def _defaults(session: AsyncSession) -> RewardSchedule:
    return RewardSchedule.from_settings(session_settings(session))


def _out(defaults: RewardSchedule, row: RewardScheduleOverride | None) -> ScheduleOut:
    now = effective_of(defaults, row.schedule if row else None)
    row = row if now.overridden else None
    return ScheduleOut(effective=ScheduleValues.of(now.schedule), defaults=ScheduleValues.of(defaults),
                       overridden=now.overridden, updated_at=row.updated_at if row else None,
                       updated_by=row.updated_by if row else None,
                       streak_preview=[reward_for(now.schedule, n) for n in range(1, PREVIEW_DAYS + 1)])


async def _locked_row(session: AsyncSession) -> RewardScheduleOverride:
    """The schedule row, locked until the transaction ends (made again if someone deleted it)."""
    row = await session.get(RewardScheduleOverride, SCHEDULE_ROW_ID, with_for_update=True)
    if row is None:
        row = RewardScheduleOverride(id=SCHEDULE_ROW_ID, schedule=None)
        session.add(row)
    return row


async def get_schedule(session: AsyncSession) -> ScheduleOut:
    """The schedule as stored now."""
    return _out(_defaults(session), await session.get(RewardScheduleOverride, SCHEDULE_ROW_ID))


async def set_schedule(session: AsyncSession, ctx: AuditContext, body: ScheduleIn) -> ScheduleOut:
    """Override the schedule (validated, audited); every instance uses it once this commits."""
    schedule, defaults = body.schedule(), _defaults(session)
    row = await _locked_row(session)
    before = _out(defaults, row)
    row.schedule, row.updated_at, row.updated_by = schedule.as_dict(), session_now(session), ctx.actor_id
    await session.flush()
    out = _out(defaults, row)
    await audit(session, ctx, "economy.schedule.update", "reward_schedule", SCHEDULE_ROW_ID,
                before.effective.model_dump(), out.effective.model_dump())
    note_changed(session, Effective(schedule, True))
    return out


async def reset_schedule(session: AsyncSession, ctx: AuditContext) -> ScheduleOut:
    """Drop the override: the CASINO_* defaults apply again (audited when there was one)."""
    defaults = _defaults(session)
    row = await _locked_row(session)
    before = _out(defaults, row)
    if not before.overridden:
        return before
    row.schedule, row.updated_at, row.updated_by = None, session_now(session), ctx.actor_id
    await session.flush()
    await audit(session, ctx, "economy.schedule.reset", "reward_schedule", SCHEDULE_ROW_ID,
                before.effective.model_dump(), ScheduleValues.of(defaults).model_dump())
    note_changed(session, Effective(defaults, False))
    return _out(defaults, None)
