"""Daily streak: tick (first visit of a local day), claim once per day, status, preview and calendar.

Streak day n: the first attended day of a run is n = 1; each next consecutive local day adds one. A claim
on streak day n pays gold min(800 + 200·n, 2800) (day 1 → 1,000; capped from day 10) and XP
min(25 + 25·n, 275) (day 1 → 50). Missing local days resets the run to n = 1 unless the player holds one
streak shield per missed day: then those shields are consumed (all or nothing) and the run continues.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User, level_for
from casino_club.config import Settings
from casino_club.engagement.progress import record_progress
from casino_club.inventory.service import STREAK_SHIELD, ItemNotOwned, consume_item, quantity_of
from casino_club.kit.errors import error
from casino_club.kit.runtime import session_clock, session_now, session_settings
from casino_club.outbox.service import emit
from casino_club.rewards.schemas import RewardSpec
from casino_club.rewards.service import grant_reward
from casino_club.streaks.models import StreakClaim, StreakDay, StreakEvent, StreakState
from casino_club.streaks.schemas import (
    CalendarDay,
    ClaimOut,
    DayReward,
    StreakHistory,
    StreakPreview,
    StreakStatus,
    TickOut,
)
from casino_club.wallet.service import balance_of

AlreadyClaimed = error(409, "ALREADY_CLAIMED", "You already claimed today's streak reward. Come back tomorrow.",
                       "오늘의 출석 보상은 이미 받았습니다. 내일 다시 오세요.")
InvalidMonth = error(422, "INVALID_MONTH", "Month must look like 2026-11.", "월은 2026-11 형식이어야 합니다.")


def reward_for(settings: Settings, n: int) -> DayReward:
    """Gold and XP for streak day n (n ≥ 1)."""
    return DayReward(streak_day=n,
                     gold=min(settings.streak_base_gold + settings.streak_step_gold * n, settings.streak_max_gold),
                     xp=min(settings.streak_base_xp + settings.streak_step_xp * n, settings.streak_max_xp))


@dataclass(frozen=True)
class Plan:
    """What a tick today does to the run."""

    state: StreakState | None
    ticked: bool  # today already attended
    n: int
    shields_needed: int
    reset: bool


async def _plan(session: AsyncSession, user_id: int, today: date, shields: int) -> Plan:
    state = await session.get(StreakState, user_id, populate_existing=True)
    if state is None or state.last_day is None:
        return Plan(state, False, 1, 0, False)
    if state.last_day >= today:  # ticked today (or the clock moved back): keep the run as it is
        return Plan(state, state.last_day == today, max(state.current, 1), 0, False)
    missed = (today - state.last_day).days - 1
    if missed == 0:
        return Plan(state, False, state.current + 1, 0, False)
    if shields >= missed:
        return Plan(state, False, state.current + 1, missed, False)
    return Plan(state, False, 1, 0, True)


def _local_today(session: AsyncSession) -> date:
    return session_clock(session).today()


async def tick(session: AsyncSession, user_id: int) -> TickOut:
    """Record today's visit once; continue, shield or reset the run; emits streak_update on the first tick."""
    today, now = _local_today(session), session_now(session)
    shields = await quantity_of(session, user_id, STREAK_SHIELD)
    plan = await _plan(session, user_id, today, shields)
    if plan.ticked:
        return _tick_out(today, plan.state, False, 0, False)
    try:
        async with session.begin_nested():
            session.add(StreakDay(user_id=user_id, day=today, streak_day=plan.n, created_at=now))
    except IntegrityError:  # a concurrent request ticked today first
        state = await session.get(StreakState, user_id, populate_existing=True)
        return _tick_out(today, state, False, 0, False)
    used, reset, n = plan.shields_needed, plan.reset, plan.n
    if used:
        try:
            await consume_item(session, user_id, STREAK_SHIELD, used)
            session.add(StreakEvent(user_id=user_id, kind="shield_used", day=today, created_at=now,
                                    data={"shields": used, "missed_days": used, "kept_streak": n - 1}))
        except ItemNotOwned:  # spent elsewhere a moment ago: the gap resets the run after all
            used, reset, n = 0, True, 1
            await _fix_day(session, user_id, today, n)
    if reset:
        session.add(StreakEvent(user_id=user_id, kind="reset", day=today, created_at=now,
                                data={"previous": plan.state.current if plan.state else 0,
                                      "last_day": plan.state.last_day.isoformat() if plan.state and plan.state.last_day else None}))
    state = plan.state
    if state is None:
        state = StreakState(user_id=user_id, current=n, longest=n, last_day=today, updated_at=now)
        session.add(state)
    else:
        state.current, state.longest, state.last_day, state.updated_at = n, max(state.longest, n), today, now
    session.add(StreakEvent(user_id=user_id, kind="start" if n == 1 else "continue", day=today, created_at=now,
                            data={"streak_day": n}))
    await session.flush()
    await record_progress(session, user_id, {"login_days": 1})
    claimed = await _claimed(session, user_id, today)
    await emit(session, user_id, "streak_update", {
        "today": today.isoformat(), "current_streak": n, "longest_streak": state.longest, "claimed_today": claimed,
        "shields_used": used, "reset": reset})
    return _tick_out(today, state, True, used, reset)


async def _fix_day(session: AsyncSession, user_id: int, day: date, n: int) -> None:
    row = (await session.execute(select(StreakDay).where(StreakDay.user_id == user_id, StreakDay.day == day))).scalar_one()
    row.streak_day = n


def _tick_out(today: date, state: StreakState | None, first: bool, used: int, reset: bool) -> TickOut:
    return TickOut(today=today, current_streak=state.current if state else 0,
                   longest_streak=state.longest if state else 0, first_visit_today=first, shields_used=used,
                   reset=reset)


async def _claimed(session: AsyncSession, user_id: int, day: date) -> bool:
    return (await session.execute(select(StreakClaim.id).where(
        StreakClaim.user_id == user_id, StreakClaim.day == day))).scalar_one_or_none() is not None


async def claim(session: AsyncSession, user_id: int) -> ClaimOut:
    """Tick if needed, then pay today's reward once; a second claim the same local day is 409 ALREADY_CLAIMED."""
    ticked = await tick(session, user_id)
    today, n = ticked.today, max(ticked.current_streak, 1)
    if await _claimed(session, user_id, today):
        raise AlreadyClaimed({"day": today.isoformat()})
    reward = reward_for(session_settings(session), n)
    try:
        async with session.begin_nested():
            session.add(StreakClaim(user_id=user_id, day=today, streak_day=n, gold=reward.gold, xp=reward.xp,
                                    created_at=session_now(session)))
    except IntegrityError as exc:  # a concurrent claim won the (user, day) row
        raise AlreadyClaimed({"day": today.isoformat()}) from exc
    row = await grant_reward(session, user_id, RewardSpec(gold=reward.gold, xp=reward.xp), source="streak",
                             title=f"출석 {n}일차 보상", title_en=f"Daily streak day {n}", dedupe_key=f"streak:{user_id}:{today.isoformat()}",
                             reference=f"streak:{today.isoformat()}")
    session.add(StreakEvent(user_id=user_id, kind="claim", day=today, created_at=session_now(session),
                            data={"streak_day": n, "gold": reward.gold, "xp": reward.xp}))
    await record_progress(session, user_id, {"streak_claims": 1})
    state = await session.get(StreakState, user_id)
    await emit(session, user_id, "streak_update", {
        "today": today.isoformat(), "current_streak": n, "longest_streak": state.longest if state else n,
        "claimed_today": True, "shields_used": 0, "reset": False})
    xp = (await session.execute(select(User.xp).where(User.id == user_id))).scalar_one()
    return ClaimOut(today=today, streak_day=n, gold=reward.gold, xp=reward.xp,
                    balance=await balance_of(session, user_id), level=level_for(xp), total_xp=xp, reward_id=row.id)


async def status(session: AsyncSession, user_id: int) -> StreakStatus:
    """Read-only view of the run, today's claim and the shields held."""
    clock, settings = session_clock(session), session_settings(session)
    today = clock.today()
    shields = await quantity_of(session, user_id, STREAK_SHIELD)
    plan = await _plan(session, user_id, today, shields)
    state = plan.state
    return StreakStatus(
        today=today, timezone=settings.timezone, current_streak=_visible_current(state, today, shields),
        longest_streak=state.longest if state else 0, last_day=state.last_day if state else None,
        ticked_today=plan.ticked, claimed_today=await _claimed(session, user_id, today), shields=shields,
        today_reward=reward_for(settings, plan.n),
        next_reset_at=clock.local_midnight_utc(today + timedelta(days=1)).isoformat())


def _visible_current(state: StreakState | None, today: date, shields: int) -> int:
    # A run whose gap can no longer be bridged shows as 0 until the next tick starts a new one.
    if state is None or state.last_day is None:
        return 0
    missed = (today - state.last_day).days - 1
    return state.current if missed <= 0 or shields >= missed else 0


async def preview(session: AsyncSession, user_id: int, days: int = 7) -> StreakPreview:
    """What claiming today pays and what the following days pay if the run continues."""
    settings, today = session_settings(session), _local_today(session)
    shields = await quantity_of(session, user_id, STREAK_SHIELD)
    plan = await _plan(session, user_id, today, shields)
    claimed = await _claimed(session, user_id, today)
    return StreakPreview(today=today, claimable=not claimed, would_use_shields=plan.shields_needed,
                         would_reset=plan.reset, today_reward=reward_for(settings, plan.n),
                         upcoming=[reward_for(settings, plan.n + i) for i in range(1, days + 1)])


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
