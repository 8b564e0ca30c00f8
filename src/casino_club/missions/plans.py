"""Mission and event claims as settlement plans: the claim row is marked once and the reward paid in one group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from casino_club.admin.audit import AuditContext
from casino_club.admin.gold import AUDIT
from casino_club.kit.errors import NotFound
from casino_club.kit.jsonfast import dumps
from casino_club.kit.lang import pick
from casino_club.missions.events import EventIncomplete, EventNotJoined
from casino_club.missions.service import AlreadyClaimed, MissionIncomplete
from casino_club.rewards.grant import FREE_TODAY, REWARD_GRANTS, Granted, grant
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.rules.progress import MissionRow, period_start
from casino_club.settlement.store import NOW, Read, Store, Write, parse_time
from casino_club.settlement.unit import GroupRetry, Unit

PARTICIPATION_CLAIMED = Write("event_claimed", "event_participations", (
    ("id", "bigint"), ("completed_at", "timestamptz"), ("forced", "boolean")), (("claimed_at", NOW),), keys=1)


def _templates_sql(store: Store) -> str:
    return store.rows_as_json(f"id, code, title, period, target, {store.json_column('rewards')}, title_en",
                              f"FROM mission_templates WHERE deleted_at IS NULL AND id {store.among(10, 'bigint')}")


def _rows_sql(store: Store) -> str:
    return store.locked_rows_as_json(
        "id, template_id, user_id, period_start, value, completed_at, claimed_at",
        f"FROM mission_progress WHERE user_id {store.among(5, 'bigint')} AND template_id {store.among(10, 'bigint')} "
        f"AND period_start {store.among(8, 'date')} ORDER BY user_id, template_id")


MISSION_TEMPLATES = Read("claim_templates", _templates_sql, lambda rows: {int(r[0]): r for r in rows})
MISSION_ROWS = Read("claim_rows", _rows_sql, lambda rows: {
    (int(r[1]), int(r[2]), date.fromisoformat(r[3])): MissionRow(
        int(r[0]), int(r[4]), parse_time(r[5]) if r[5] else None, parse_time(r[6]) if r[6] else None) for r in rows})


def _claim_out(unit: Unit, plan: Plan, kind: str, item_id: int, granted: Granted, titles: tuple[str, str],
               reference: str, spec: dict[str, Any]) -> Answer:
    """The ClaimRewardOut JSON: the reward's title in the request's language, both kept (RewardOut's shape)."""
    ko, en = titles[0][:120], (titles[1] or "")[:120]
    reward = {"id": granted.reward_id, "source": kind, "title": pick(ko, en, plan.lang), "title_ko": ko,
              "title_en": en, "reference": reference,
              "gold": granted.gold, "xp": int(spec.get("xp", 0)), "items": list(spec.get("items", [])),
              "created_at": unit.now_json}
    return Answer(200, {"kind": kind, "id": item_id, "reward": reward,
                        "balance": unit.player(plan.user_id).wallet.balance})


@dataclass(kw_only=True)
class MissionClaimPlan(Plan):
    """Pay a completed mission once per period; 409 MISSION_INCOMPLETE / ALREADY_CLAIMED otherwise."""

    template_id: int
    free_cap: int | None  # the reward schedule's daily free-gold cap when the request came in

    reads: ClassVar[tuple[Read, ...]] = (MISSION_TEMPLATES, MISSION_ROWS, FREE_TODAY)
    writes: ClassVar[tuple[Write, ...]] = (REWARD_GRANTS,)

    def ref_ids(self) -> tuple[int, ...]:
        return (self.template_id,)

    def new_ids(self) -> dict[str, int]:
        return {"reward_grants": 1}

    def apply(self, unit: Unit) -> Answer:
        t = unit.extra["claim_templates"].get(self.template_id)
        if t is None:
            raise NotFound({"mission_id": self.template_id})
        _, code, title, period, target, rewards, title_en = t
        start = period_start(period, unit.today)
        key = (self.template_id, self.user_id, start)
        row = unit.missions.get(key) or unit.extra["claim_rows"].get(key)
        if row is None or row.value < target:
            raise MissionIncomplete({"mission_id": self.template_id, "progress": row.value if row else 0,
                                     "target": target})
        if row.claimed_at is not None:
            raise AlreadyClaimed({"mission_id": self.template_id, "period_start": start.isoformat()})
        if row.id is None:  # created by a round earlier in this group: its id comes with the commit
            raise GroupRetry(MissionIncomplete({"mission_id": self.template_id}))
        unit.missions[key] = row
        row.claimed_at, row.completed_at, row.dirty = unit.now, row.completed_at or unit.now, True
        reference = f"mission:{code}:{start.isoformat()}"
        granted = grant(unit, self.user_id, gold=int(rewards.get("gold", 0)), xp=int(rewards.get("xp", 0)),
                        items=list(rewards.get("items", [])), source="mission", title=title, title_en=title_en,
                        dedupe_key=f"mission:{row.id}", reference=reference, free_cap=self.free_cap)
        return _claim_out(unit, self, "mission", self.template_id, granted, (title, title_en), reference, rewards)


def _event_sql(store: Store) -> str:
    # Participation rows change only under their player's lock, which the group already holds.
    return store.rows_as_json(
        f"e.id, e.title, {store.json_column('e.requirements')}, {store.json_column('e.rewards')}, p.id, p.user_id, "
        "p.completed_at, p.claimed_at, e.title_en",
        "FROM engagement_events e LEFT JOIN event_participations p ON p.event_id = e.id "
        f"AND p.user_id {store.among(5, 'bigint')} WHERE e.deleted_at IS NULL AND e.id {store.among(10, 'bigint')}")


def _counters_sql(store: Store) -> str:
    return store.rows_as_json("event_id, user_id, metric, value",
                              f"FROM event_progress WHERE user_id {store.among(5, 'bigint')} "
                              f"AND event_id {store.among(10, 'bigint')}")


def _parse_counters(rows: list[list[Any]]) -> dict[tuple[int, int], dict[str, int]]:
    out: dict[tuple[int, int], dict[str, int]] = {}
    for event_id, user_id, metric, value in rows:
        out.setdefault((int(event_id), int(user_id)), {})[metric] = int(value)
    return out


EVENTS = Read("claim_events", _event_sql, lambda rows: rows)
COUNTERS = Read("claim_counters", _counters_sql, _parse_counters)


@dataclass(kw_only=True)
class EventClaimPlan(Plan):
    """Claim a completed event once (also after it ended); 409 EVENT_NOT_JOINED / EVENT_INCOMPLETE / ALREADY_CLAIMED.

    `forced`: an admin pays it whatever the progress (the player joined first), audited.
    """

    event_id: int
    free_cap: int | None  # the reward schedule's daily free-gold cap when the request came in
    forced: bool = False
    audit: AuditContext | None = None

    reads: ClassVar[tuple[Read, ...]] = (EVENTS, COUNTERS, FREE_TODAY)
    writes: ClassVar[tuple[Write, ...]] = (REWARD_GRANTS, PARTICIPATION_CLAIMED, AUDIT)

    def ref_ids(self) -> tuple[int, ...]:
        return (self.event_id,)

    def new_ids(self) -> dict[str, int]:
        return {"reward_grants": 1, "audit_logs": 1} if self.audit is not None else {"reward_grants": 1}

    def apply(self, unit: Unit) -> Answer:
        rows = [r for r in unit.extra["claim_events"] if int(r[0]) == self.event_id]
        if not rows:
            raise NotFound({"event_id": self.event_id})
        mine = next((r for r in rows if r[5] is not None and int(r[5]) == self.user_id), None)
        if mine is None:
            raise EventNotJoined({"event_id": self.event_id})
        _, title, requirements, rewards, part_id, _, completed_at, claimed_at, title_en = mine
        done: set[tuple[int, int]] = unit.extra.setdefault("claimed_events", set())
        if claimed_at is not None or (self.event_id, self.user_id) in done:
            raise AlreadyClaimed({"event_id": self.event_id})
        open_events = unit.open_events(self.user_id)
        live = next((e for e in open_events if e.event_id == self.event_id), None)
        progress = dict(live.progress) if live else unit.extra["claim_counters"].get((self.event_id, self.user_id), {})
        if not self.forced and not all(progress.get(m, 0) >= int(t) for m, t in requirements.items()):
            raise EventIncomplete({"event_id": self.event_id, "progress": progress, "requirements": requirements})
        done.add((self.event_id, self.user_id))
        if live is not None:  # a claimed event stops counting; its completion is written by this claim
            live.claimed, live.newly_completed = True, False
        stamped = parse_time(completed_at) if completed_at else unit.now
        unit.add("event_claimed", (int(part_id), stamped, self.forced))
        reference = f"event:{self.event_id}"
        granted = grant(unit, self.user_id, gold=int(rewards.get("gold", 0)), xp=int(rewards.get("xp", 0)),
                        items=list(rewards.get("items", [])), source="event", title=title, title_en=title_en,
                        dedupe_key=f"event:{self.event_id}:{self.user_id}", reference=reference,
                        free_cap=self.free_cap)
        if self.audit is not None:
            unit.add("audit", (unit.new_id("audit_logs"), self.audit.actor_id, "event.force_claim", "event",
                               str(self.event_id), dumps(None),
                               dumps({"user_id": self.user_id, "reward_id": granted.reward_id,
                                      "gold": int(rewards.get("gold", 0)), "xp": int(rewards.get("xp", 0))}),
                               self.audit.ip, self.audit.request_id))
        return _claim_out(unit, self, "event", self.event_id, granted, (title, title_en), reference, rewards)

