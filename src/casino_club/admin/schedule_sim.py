"""A dry run of a reward schedule through the economy simulator, small enough to answer an admin request."""

from __future__ import annotations

import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from casino_club.admin.schedule import ScheduleIn
from casino_club.economy.schedule import RewardSchedule
from casino_club.economy.simulate import PROFILES, simulate

# Simulated rounds per request: ~2 s of CPU on the shared 2-vCPU VM (it runs ~100,000 rounds a second). The
# players are trimmed to fit (the answer says how many ran); one simulation at a time per instance.
MAX_ROUNDS = 200_000
_ONE_AT_A_TIME = threading.Lock()


class SimulateIn(BaseModel):
    """A proposed schedule (default: the effective one) and the run: profile, players, days, seed."""

    model_config = ConfigDict(extra="forbid")
    schedule: ScheduleIn | None = None
    profile: Literal["casual", "median", "grinder", "whale"] = "median"
    players: int = Field(100, ge=1, le=2_000)
    days: int = Field(30, ge=1, le=60)
    seed: int = Field(1, ge=0, le=2**31)


class SimulateOut(BaseModel):
    """The simulator's summary."""

    profile: str
    players: int
    days: int
    start: int
    minted: dict[str, int]
    burned: dict[str, int]
    burn_ratio: float
    median_by_day: list[float]
    final_median_x: float  # the last day's median balance ÷ the welcome gold (0 when it is 0)


def run_simulation(schedule: RewardSchedule, body: SimulateIn) -> SimulateOut:
    """Run the simulator in a worker thread (players trimmed so players × days × rounds a day ≤ MAX_ROUNDS)."""
    profile = PROFILES[body.profile]
    players = max(1, min(body.players, MAX_ROUNDS // (body.days * profile.bets_per_day)))
    with _ONE_AT_A_TIME:
        result = simulate(schedule, profile, players, body.days, body.seed)
    medians = [float(result.median(n)) for n in range(1, body.days + 1)]
    return SimulateOut(profile=body.profile, players=players, days=body.days, start=result.start,
                       minted=result.minted, burned=result.burned, burn_ratio=round(result.burn_ratio, 4),
                       median_by_day=medians, final_median_x=round(medians[-1] / result.start, 2) if result.start else 0.0)
