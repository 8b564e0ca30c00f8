"""Streak response bodies."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class DayReward(BaseModel):
    """What a claim pays on streak day n."""

    streak_day: int
    gold: int
    xp: int


class StreakStatus(BaseModel):
    """The player's streak as of the operator's local today."""

    today: date
    timezone: str
    current_streak: int
    longest_streak: int
    last_day: date | None
    ticked_today: bool
    claimed_today: bool
    shields: int
    today_reward: DayReward  # what a claim now would pay (after the implicit tick)
    next_reset_at: str  # ISO UTC instant of the next local midnight


class StreakPreview(BaseModel):
    """Today's claim and the next days' rewards if the player keeps coming."""

    today: date
    claimable: bool
    would_use_shields: int
    would_reset: bool
    today_reward: DayReward
    upcoming: list[DayReward]


class TickOut(BaseModel):
    """Result of a tick."""

    today: date
    current_streak: int
    longest_streak: int
    first_visit_today: bool
    shields_used: int
    reset: bool


class ClaimOut(BaseModel):
    """Result of the day's claim."""

    today: date
    streak_day: int
    gold: int
    xp: int
    balance: int
    level: int
    total_xp: int
    reward_id: int


class CalendarDay(BaseModel):
    """One attended day in the month."""

    day: date
    streak_day: int
    claimed: bool
    gold: int
    xp: int


class StreakHistory(BaseModel):
    """The month's attendance calendar."""

    month: str
    days_in_month: int
    attended: int
    claimed: int
    days: list[CalendarDay]
    shield_days: list[date]
