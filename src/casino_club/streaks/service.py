"""Daily streak: tick (first visit of a local day), claim once per day, status, preview and calendar.

Streak day n: the first attended day of a run is n = 1; each next consecutive local day adds one. A claim
on streak day n pays the reward schedule's min(base + step·n, max) gold and XP (by default min(100 + 20·n, 300)
gold, min(25 + 25·n, 275) XP; economy/schedule.py). Missing local days resets the run to n = 1 unless the player holds one
streak shield per missed day: then those shields are consumed (all or nothing) and the run continues.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.economy.schedule import RewardSchedule
from casino_club.inventory.service import STREAK_SHIELD, quantity_of
from casino_club.kit.errors import error
from casino_club.kit.runtime import session_clock, session_settings
from casino_club.streaks.models import StreakClaim, StreakDay, StreakEvent, StreakState
from casino_club.streaks.rules import RunPlan, plan_run, reward_for
from casino_club.streaks.schemas import (
    CalendarDay,
    StreakHistory,
    StreakPreview,
    StreakStatus,
)

AlreadyClaimed = error(409, "ALREADY_CLAIMED", "You already claimed today's streak reward. Come back tomorrow.",
                       "오늘의 출석 보상은 이미 받았습니다. 내일 다시 오세요.")
InvalidMonth = error(422, "INVALID_MONTH", "Month must look like 2026-11.", "월은 2026-11 형식이어야 합니다.")


async def _plan(session: AsyncSession, user_id: int, today: date, shields: int) -> tuple[StreakState | None, RunPlan]:
    state = await session.get(StreakState, user_id)
    run = plan_run(state.last_day if state else None, state.current if state else 0, today, shields)
    return state, run


def _local_today(session: AsyncSession) -> date:
    return session_clock(session).today()


async def _claimed(session: AsyncSession, user_id: int, day: date) -> bool:
    return (await session.execute(select(StreakClaim.id).where(
        StreakClaim.user_id == user_id, StreakClaim.day == day))).scalar_one_or_none() is not None


async def status(session: AsyncSession, user_id: int, schedule: RewardSchedule) -> StreakStatus:
    """Read-only view of the run, today's claim and the shields held."""
    clock, settings = session_clock(session), session_settings(session)
    today = clock.today()
    shields = await quantity_of(session, user_id, STREAK_SHIELD)
    state, plan = await _plan(session, user_id, today, shields)
    return StreakStatus(
        today=today, timezone=settings.timezone, current_streak=_visible_current(state, today, shields),
        longest_streak=state.longest if state else 0, last_day=state.last_day if state else None,
        ticked_today=plan.ticked, claimed_today=await _claimed(session, user_id, today), shields=shields,
        today_reward=reward_for(schedule, plan.n),
        next_reset_at=clock.local_midnight_utc(today + timedelta(days=1)).isoformat())


def _visible_current(state: StreakState | None, today: date, shields: int) -> int:
    # A run whose gap can no longer be bridged shows as 0 until the next tick starts a new one.
    if state is None or state.last_day is None:
        return 0
    missed = (today - state.last_day).days - 1
    return state.current if missed <= 0 or shields >= missed else 0


async def preview(session: AsyncSession, user_id: int, schedule: RewardSchedule, days: int = 7) -> StreakPreview:
    """What claiming today pays and what the following days pay if the run continues."""
    today = _local_today(session)
    shields = await quantity_of(session, user_id, STREAK_SHIELD)
    _, plan = await _plan(session, user_id, today, shields)
    claimed = await _claimed(session, user_id, today)
    return StreakPreview(today=today, claimable=not claimed, would_use_shields=plan.shields_needed,
                         would_reset=plan.reset, today_reward=reward_for(schedule, plan.n),
                         upcoming=[reward_for(schedule, plan.n + i) for i in range(1, days + 1)])


def parse_month(month: str | None, today: date) -> tuple[date, date]:
    """[first day, first day of next month) of 'YYYY-MM' (default: the local current month)."""
    if month is None:
        year, mon = today.year, today.month
    else:
        try:
            year_s, mon_s = month.split("-")
            year, mon = int(year_s), int(mon_s)
            if not 1970 <= year <= 9000:
                raise ValueError("year out of range")
            first = date(year, mon, 1)
        except ValueError as exc:
            raise InvalidMonth({"month": month}) from exc
    first = date(year, mon, 1)
    days = calendar.monthrange(year, mon)[1]
    return first, first + timedelta(days=days)


async def history(session: AsyncSession, user_id: int, month: str | None) -> StreakHistory:
    """Attendance calendar of one local month."""
    start, end = parse_month(month, _local_today(session))
    days = list((await session.execute(select(StreakDay).where(
        StreakDay.user_id == user_id, StreakDay.day >= start, StreakDay.day < end).order_by(StreakDay.day))).scalars())
    claims = {c.day: c for c in (await session.execute(select(StreakClaim).where(
        StreakClaim.user_id == user_id, StreakClaim.day >= start, StreakClaim.day < end))).scalars()}
    shields = list((await session.execute(select(StreakEvent.day).where(
        StreakEvent.user_id == user_id, StreakEvent.kind == "shield_used", StreakEvent.day >= start,
        StreakEvent.day < end).order_by(StreakEvent.day))).scalars())
    out = [CalendarDay(day=d.day, streak_day=d.streak_day, claimed=d.day in claims,
                       gold=claims[d.day].gold if d.day in claims else 0,
                       xp=claims[d.day].xp if d.day in claims else 0) for d in days]
    return StreakHistory(month=f"{start.year:04d}-{start.month:02d}", days_in_month=(end - start).days,
                         attended=len(out), claimed=len(claims), days=out, shield_days=shields)
