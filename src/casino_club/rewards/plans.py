"""Reward plans: an admin distribution to many players, and the welcome gold of a new player."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from casino_club.admin.audit import AuditContext
from casino_club.admin.gold import AUDIT
from casino_club.kit.ids import receipt_code
from casino_club.kit.jsonfast import dumps
from casino_club.rewards.grant import REWARD_GRANTS, grant
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.store import NOW, Write
from casino_club.settlement.unit import Unit
from casino_club.wallet.service import System

REWARD_BATCHES = Write("reward_batches", "reward_batches", (
    ("code", "text"), ("admin_id", "bigint"), ("target", "json"), ("gold", "bigint"), ("items", "json"),
    ("reason", "text"), ("recipients", "int")), (("created_at", NOW),))


@dataclass(kw_only=True)
class DistributePlan(Plan):
    """Grant gold/items to every recipient (all locked in one group, paid in one transaction), audited once.

    `user_id` is the first recipient; `recipients` all of them (checked to exist by the caller).
    """

    recipients: list[int]
    target: dict[str, Any]
    gold: int
    items: list[dict[str, Any]] = field(default_factory=list)
    reason: str
    ctx: AuditContext

    writes: ClassVar[tuple[Write, ...]] = (REWARD_BATCHES, REWARD_GRANTS, AUDIT)

    def players(self) -> tuple[int, ...]:
        return tuple(self.recipients)

    def new_ids(self) -> dict[str, int]:
        return {"reward_grants": len(self.recipients), "audit_logs": 1}

    def apply(self, unit: Unit) -> Answer:
        code = receipt_code("RW")
        for uid in self.recipients:
            grant(unit, uid, gold=self.gold, xp=0, items=self.items, source="admin", title=self.reason,
                  dedupe_key=f"reward:{code}:{uid}", reference=code, free_cap=None)
        unit.add("reward_batches", (code, self.ctx.actor_id, dumps(self.target), self.gold, dumps(self.items),
                                    self.reason, len(self.recipients)))
        out = {"batch_code": code, "recipients": len(self.recipients), "user_ids": self.recipients, "gold": self.gold,
               "items": self.items, "reason": self.reason, "created_at": unit.now_json}
        unit.add("audit", (unit.new_id("audit_logs"), self.ctx.actor_id, "reward.distribute", "reward_batch", code,
                           dumps(None), dumps({**out, "user_ids": self.recipients[:100], "target": self.target}),
                           self.ctx.ip, self.ctx.request_id))
        return Answer(201, out)


@dataclass(kw_only=True)
class WelcomePlan(Plan):
    """The starting gold of a new player (from PROMOTIONS), once per player."""

    gold: int

    @classmethod
    def of(cls, user_id: int, gold: int) -> WelcomePlan:
        """The plan, keyed per player: paid once, whoever asks again (the sign-up, or a later login)."""
        return cls(user_id=user_id, gold=gold, scope="welcome", key=f"user:{user_id}", fingerprint="welcome")

    def apply(self, unit: Unit) -> Answer:
        if self.gold > 0:
            unit.credit(self.user_id, self.gold, System.PROMOTIONS, "signup_bonus", f"user:{self.user_id}",
                        f"signup:{self.user_id}")
        unit.record_action(self.user_id, "signup", {"gold": self.gold})
        return Answer(200, {"gold": unit.player(self.user_id).wallet.balance})
