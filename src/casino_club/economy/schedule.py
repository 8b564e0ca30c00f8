"""The reward schedule: streak gold and XP, welcome gold and the daily free-gold cap, as one validated value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from casino_club.config import Settings
from casino_club.kit.errors import DomainError, error

MAX_GOLD = 1_000_000  # most gold one streak claim may pay (base, step and max each)
MAX_XP = 100_000
# Welcome gold: far past any real welcome and inside BIGINT, because benchmarks start players with a billion
# (CASINO_STARTING_GOLD is the default the schedule must accept).
MAX_WELCOME_GOLD = 1_000_000_000_000
MAX_DAILY_CAP = 100_000_000

ScheduleInvalid = error(422, "SCHEDULE_INVALID", "The reward schedule is invalid: {names}.",
                        "보상 일정이 올바르지 않습니다: {names}.")

_BOUNDS = {"streak_base_gold": MAX_GOLD, "streak_step_gold": MAX_GOLD, "streak_max_gold": MAX_GOLD,
           "streak_base_xp": MAX_XP, "streak_step_xp": MAX_XP, "streak_max_xp": MAX_XP,
           "welcome_gold": MAX_WELCOME_GOLD, "free_gold_daily_cap": MAX_DAILY_CAP}


@dataclass(frozen=True)
class RewardSchedule:
    """What engagement pays; constructing one validates it (ScheduleInvalid, 422, per-field problems)."""

    streak_base_gold: int
    streak_step_gold: int
    streak_max_gold: int
    streak_base_xp: int
    streak_step_xp: int
    streak_max_xp: int
    welcome_gold: int
    free_gold_daily_cap: int | None = None

    def __post_init__(self) -> None:
        if found := problems(asdict(self)):
            raise invalid(found)

    @classmethod
    def from_settings(cls, settings: Settings) -> RewardSchedule:
        """The defaults: the CASINO_* settings."""
        return cls(settings.streak_base_gold, settings.streak_step_gold, settings.streak_max_gold,
                   settings.streak_base_xp, settings.streak_step_xp, settings.streak_max_xp,
                   settings.starting_gold, settings.free_gold_daily_cap)

    @classmethod
    def of(cls, values: dict[str, Any]) -> RewardSchedule:
        """A schedule from a JSON object (every field; unknown keys refused)."""
        names = field_names()
        if unknown := sorted(set(values) - set(names)):
            raise invalid({k: "unknown" for k in unknown})
        if missing := [n for n in names if n not in values and n != "free_gold_daily_cap"]:
            raise invalid({k: "required" for k in missing})
        return cls(**values)

    def with_changes(self, **changes: Any) -> RewardSchedule:
        """A copy with some fields replaced (validated)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of the schedule."""
        return asdict(self)


def invalid(found: dict[str, str]) -> DomainError:
    """The SCHEDULE_INVALID error of these field problems (details: fields = {field: problem})."""
    return ScheduleInvalid({"fields": found, "names": ", ".join(sorted(found))})


def field_names() -> tuple[str, ...]:
    """The schedule's fields, in order."""
    return tuple(f.name for f in fields(RewardSchedule))


def problems(values: dict[str, Any]) -> dict[str, str]:
    """Field → what is wrong with it (empty when the schedule is valid)."""
    out: dict[str, str] = {}
    for name, bound in _BOUNDS.items():
        v = values.get(name)
        if v is None and name == "free_gold_daily_cap":
            continue
        if not isinstance(v, int) or isinstance(v, bool):
            out[name] = "not_an_integer"
        elif v < 0:
            out[name] = "negative"
        elif v > bound:
            out[name] = f"above_{bound}"
    for kind in ("gold", "xp"):
        base, top = values.get(f"streak_base_{kind}"), values.get(f"streak_max_{kind}")
        if f"streak_base_{kind}" not in out and f"streak_max_{kind}" not in out and isinstance(base, int) \
                and isinstance(top, int) and base > top:
            out[f"streak_base_{kind}"] = f"above_streak_max_{kind}"
    return out
