"""The streak's pure rules: what a tick today does to the run, and what a claim on day n pays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casino_club.economy.schedule import RewardSchedule
from casino_club.streaks.schemas import DayReward


def reward_for(schedule: RewardSchedule, n: int) -> DayReward:
    """Gold and XP for streak day n (n ≥ 1): min(base + step·n, max) of the schedule."""
    return DayReward(streak_day=n,
                     gold=min(schedule.streak_base_gold + schedule.streak_step_gold * n, schedule.streak_max_gold),
                     xp=min(schedule.streak_base_xp + schedule.streak_step_xp * n, schedule.streak_max_xp))


@dataclass(frozen=True)
class RunPlan:
    """What a tick today does to the run."""

    ticked: bool  # today already attended
    n: int
    shields_needed: int
    reset: bool


def plan_run(last_day: date | None, current: int, today: date, shields: int) -> RunPlan:
    """Continue (consecutive day), bridge with one shield per missed day (all or nothing), or reset to day 1."""
    if last_day is None:
        return RunPlan(False, 1, 0, False)
    if last_day >= today:  # ticked today (or the clock moved back): keep the run as it is
        return RunPlan(last_day == today, max(current, 1), 0, False)
    missed = (today - last_day).days - 1
    if missed == 0:
        return RunPlan(False, current + 1, 0, False)
    if shields >= missed:
        return RunPlan(False, current + 1, missed, False)
    return RunPlan(False, 1, 0, True)
