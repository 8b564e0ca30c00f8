"""The daily streak's tick and claim as settlement plans (rules in streaks/service.py's words, applied in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from casino_club.economy.schedule import RewardSchedule
from casino_club.inventory.service import STREAK_SHIELD
from casino_club.kit.jsonfast import dumps
from casino_club.rewards.grant import FREE_TODAY, REWARD_GRANTS, grant
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.rules.levels import level_for
from casino_club.settlement.store import NOW, Read, Store, Write
from casino_club.settlement.unit import Unit
from casino_club.streaks.rules import RunPlan, plan_run, reward_for
from casino_club.streaks.service import AlreadyClaimed

DAYS = Write("streak_days", "streak_days", (("user_id", "bigint"), ("day", "date"), ("streak_day", "int")),
             (("created_at", NOW),))
CLAIMS = Write("streak_claims", "streak_claims", (
    ("user_id", "bigint"), ("day", "date"), ("streak_day", "int"), ("gold", "bigint"), ("xp", "int")),
    (("created_at", NOW),))
EVENTS = Write("streak_events", "streak_events", (
    ("user_id", "bigint"), ("kind", "text"), ("day", "date"), ("data", "json")), (("created_at", NOW),))
STATES = Write("streak_states", "streak_states", (
    ("user_id", "bigint"), ("current", "int"), ("longest", "int"), ("last_day", "date")), (("updated_at", NOW),),
    conflict=("user_id",), merge=(("current", "set"), ("longest", "set"), ("last_day", "set")))


@dataclass
class Streak:
    """A player's streak as the group holds it."""

    current: int
    longest: int
    last_day: date | None
    ticked_today: bool  # a streak_days row exists for today
    claimed_today: bool
    shields: int
    dirty: bool = False


def _sql(store: Store) -> str:
    p = store.param
    return store.rows_as_json(
        "u.id, s.current, s.longest, s.last_day, "
        f"(SELECT COUNT(*) FROM streak_days d WHERE d.user_id = u.id AND d.day = {p(11)}), "
        f"(SELECT COUNT(*) FROM streak_claims c WHERE c.user_id = u.id AND c.day = {p(11)}), "
        f"(SELECT COALESCE(MAX(i.quantity), 0) FROM inventory i WHERE i.user_id = u.id AND i.item_id = '{STREAK_SHIELD}')",
        f"FROM users u LEFT JOIN streak_states s ON s.user_id = u.id WHERE u.id {store.among(5, 'bigint')}")


def _parse(rows: list[list[Any]]) -> dict[int, Streak]:
    return {int(r[0]): Streak(int(r[1] or 0), int(r[2] or 0), date.fromisoformat(r[3]) if r[3] else None,
                              bool(r[4]), bool(r[5]), int(r[6])) for r in rows}


STREAKS = Read("streaks", _sql, _parse)


@dataclass(kw_only=True)
class TickPlan(Plan):
    """Record today's visit once; continue, shield or reset the run (a claim ticks first)."""

    schedule: RewardSchedule  # the instance's effective reward schedule when the request came in

    metrics: ClassVar[tuple[str, ...]] = ("login_days",)
    reads: ClassVar[tuple[Read, ...]] = (STREAKS,)
    writes: ClassVar[tuple[Write, ...]] = (DAYS, EVENTS, STATES)

    def apply(self, unit: Unit) -> Answer:
        return Answer(200, tick(unit, self.user_id))

    @classmethod
    def finish(cls, unit: Unit) -> None:
        streaks: dict[int, Streak] = unit.extra["streaks"]
        for user_id, s in sorted(streaks.items()):
            if s.dirty:
                unit.add("streak_states", (user_id, s.current, s.longest, s.last_day))
                s.dirty = False


def tick(unit: Unit, user_id: int) -> dict[str, Any]:
    """The TickOut JSON of today's tick (writes only on the first tick of the day)."""
    today = unit.today
    s: Streak = unit.extra["streaks"][user_id]
    run: RunPlan = plan_run(s.last_day, s.current, today, s.shields)
    if run.ticked or s.ticked_today:
        return _tick_out(today, s, False, 0, False)
    n, used, reset = run.n, run.shields_needed, run.reset
    s.ticked_today = True
    unit.add("streak_days", (user_id, today, n))
    if used:
        s.shields -= used
        unit.items_left(user_id, STREAK_SHIELD, s.shields)
        unit.add("streak_events", (user_id, "shield_used", today, dumps(
            {"shields": used, "missed_days": used, "kept_streak": n - 1})))
    if reset:
        unit.add("streak_events", (user_id, "reset", today, dumps(
            {"previous": s.current, "last_day": s.last_day.isoformat() if s.last_day else None})))
    s.current, s.longest, s.last_day, s.dirty = n, max(s.longest, n), today, True
    unit.add("streak_events", (user_id, "start" if n == 1 else "continue", today, dumps({"streak_day": n})))
    unit.progress(user_id, {"login_days": 1})
    unit.emit(user_id, "streak_update", {"today": today.isoformat(), "current_streak": n,
                                         "longest_streak": s.longest, "claimed_today": s.claimed_today,
                                         "shields_used": used, "reset": reset})
    return _tick_out(today, s, True, used, reset)


def _tick_out(today: date, s: Streak, first: bool, used: int, reset: bool) -> dict[str, Any]:
    return {"today": today.isoformat(), "current_streak": s.current, "longest_streak": s.longest,
            "first_visit_today": first, "shields_used": used, "reset": reset}


@dataclass(kw_only=True)
class ClaimPlan(TickPlan):
    """Tick if needed, then pay today's reward once; a second claim the same local day is 409 ALREADY_CLAIMED."""

    metrics: ClassVar[tuple[str, ...]] = ("login_days", "streak_claims")
    reads: ClassVar[tuple[Read, ...]] = (STREAKS, FREE_TODAY)
    writes: ClassVar[tuple[Write, ...]] = (DAYS, EVENTS, STATES, CLAIMS, REWARD_GRANTS)

    def new_ids(self) -> dict[str, int]:
        return {"reward_grants": 1}

    def apply(self, unit: Unit) -> Answer:
        today = unit.today
        s: Streak = unit.extra["streaks"][self.user_id]
        if s.claimed_today:  # checked before the tick: a refused claim writes nothing, as on its own
            raise AlreadyClaimed({"day": today.isoformat()})
        ticked = tick(unit, self.user_id)
        n = max(ticked["current_streak"], 1)
        reward = reward_for(self.schedule, n)
        s.claimed_today = True
        granted = grant(unit, self.user_id, gold=reward.gold, xp=reward.xp, items=[], source="streak",
                        title=f"출석 {n}일차 보상", title_en=f"Daily streak day {n}", dedupe_key=f"streak:{self.user_id}:{today.isoformat()}",
                        reference=f"streak:{today.isoformat()}", free_cap=self.schedule.free_gold_daily_cap)
        unit.add("streak_claims", (self.user_id, today, n, granted.gold, reward.xp))
        unit.add("streak_events", (self.user_id, "claim", today, dumps(
            {"streak_day": n, "gold": granted.gold, "xp": reward.xp})))
        unit.progress(self.user_id, {"streak_claims": 1})
        unit.emit(self.user_id, "streak_update", {"today": today.isoformat(), "current_streak": n,
                                                  "longest_streak": s.longest, "claimed_today": True,
                                                  "shields_used": 0, "reset": False})
        player = unit.player(self.user_id)
        return Answer(200, {"today": today.isoformat(), "streak_day": n, "gold": granted.gold, "xp": reward.xp,
                            "balance": player.wallet.balance, "level": level_for(player.xp), "total_xp": player.xp,
                            "reward_id": granted.reward_id})
