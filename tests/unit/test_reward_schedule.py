"""RewardSchedule validation and the streak rule reward_for (issue 21 §3)."""

from __future__ import annotations

import pytest

from casino_club.config import Settings
from casino_club.economy.schedule import RewardSchedule, ScheduleInvalid
from casino_club.streaks.rules import reward_for

VALID = {"streak_base_gold": 100, "streak_step_gold": 20, "streak_max_gold": 300, "streak_base_xp": 25,
         "streak_step_xp": 25, "streak_max_xp": 275, "welcome_gold": 1000, "free_gold_daily_cap": None}


def test_the_defaults_are_the_settings() -> None:
    schedule = RewardSchedule.from_settings(Settings(streak_base_gold=7, starting_gold=42, free_gold_daily_cap=9))
    assert schedule.streak_base_gold == 7 and schedule.welcome_gold == 42 and schedule.free_gold_daily_cap == 9
    assert RewardSchedule.from_settings(Settings()).as_dict() == VALID


def test_reward_for_is_min_of_base_plus_step_times_n_and_max() -> None:
    schedule = RewardSchedule.of(VALID)
    assert [reward_for(schedule, n).gold for n in (1, 2, 9, 10, 30)] == [120, 140, 280, 300, 300]
    assert [reward_for(schedule, n).xp for n in (1, 10, 11)] == [50, 275, 275]
    flat = schedule.with_changes(streak_step_gold=0, streak_base_gold=300)
    assert reward_for(flat, 1).gold == reward_for(flat, 30).gold == 300


@pytest.mark.parametrize(("changes", "problems"), [
    ({"streak_base_gold": 301}, {"streak_base_gold": "above_streak_max_gold"}),
    ({"streak_base_xp": 276}, {"streak_base_xp": "above_streak_max_xp"}),
    ({"streak_step_gold": -1}, {"streak_step_gold": "negative"}),
    ({"welcome_gold": 1_000_000_000_001}, {"welcome_gold": "above_1000000000000"}),
    ({"free_gold_daily_cap": -1}, {"free_gold_daily_cap": "negative"}),
    ({"streak_max_xp": 1.5}, {"streak_max_xp": "not_an_integer"}),
    ({"welcome_gold": True}, {"welcome_gold": "not_an_integer"}),
    ({"streak_base_gold": -1, "streak_max_gold": -2}, {"streak_base_gold": "negative", "streak_max_gold": "negative"}),
])
def test_an_invalid_schedule_names_every_bad_field(changes: dict[str, object], problems: dict[str, str]) -> None:
    with pytest.raises(ScheduleInvalid) as caught:
        RewardSchedule.of({**VALID, **changes})
    assert caught.value.code == "SCHEDULE_INVALID" and caught.value.status == 422
    assert caught.value.details["fields"] == problems


def test_unknown_and_missing_fields_are_refused_and_the_cap_may_be_left_out() -> None:
    with pytest.raises(ScheduleInvalid) as unknown:
        RewardSchedule.of({**VALID, "bonus": 1})
    assert unknown.value.details["fields"] == {"bonus": "unknown"}
    with pytest.raises(ScheduleInvalid) as missing:
        RewardSchedule.of({k: v for k, v in VALID.items() if k != "welcome_gold"})
    assert missing.value.details["fields"] == {"welcome_gold": "required"}
    assert RewardSchedule.of({k: v for k, v in VALID.items() if k != "free_gold_daily_cap"}).free_gold_daily_cap is None
    assert RewardSchedule.of({**VALID, "free_gold_daily_cap": 0, "streak_base_gold": 300}).free_gold_daily_cap == 0


def test_a_schedule_is_frozen() -> None:
    schedule = RewardSchedule.of(VALID)
    with pytest.raises(AttributeError):
        schedule.welcome_gold = 5  # type: ignore[misc, unused-ignore]


def test_the_instance_cache_ignores_its_own_message_and_goes_stale_on_another_s() -> None:
    from casino_club.bus.base import BusMessage
    from casino_club.economy.schedule_cache import SCHEDULE_CHANGED, Effective, ScheduleCache

    cache = ScheduleCache()
    assert cache.stale(30)
    cache.put(Effective(RewardSchedule.of(VALID), True))
    assert not cache.stale(30) and cache.stale(0)
    generation = cache.generation
    cache.on_bus_message(BusMessage(None, {"kind": SCHEDULE_CHANGED, "origin": cache.origin}))
    cache.on_bus_message(BusMessage(7, {"kind": SCHEDULE_CHANGED}))  # a player's event, not a control message
    assert not cache.stale(30) and cache.generation == generation
    cache.on_bus_message(BusMessage(None, {"kind": SCHEDULE_CHANGED, "origin": "another instance"}))
    assert cache.stale(30) and cache.generation == generation + 1
