"""Admin gold grants and deductions as settlement plans: ledger transfer + receipt + audit + events, one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casino_club.admin.audit import AuditContext
from casino_club.auth.errors import AdminRequired, TotpRequired
from casino_club.kit.fields import reason_text
from casino_club.kit.ids import receipt_code
from casino_club.kit.jsonfast import dumps
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.store import NOW, Read, Store, Write
from casino_club.settlement.unit import Unit
from casino_club.wallet.service import System

MAX_ADJUSTMENT = 1_000_000_000


class GoldChangeIn(BaseModel):
    """A grant or deduction."""

    model_config = ConfigDict(extra="forbid")
    amount: int = Field(gt=0, le=MAX_ADJUSTMENT, strict=True)
    reason: str = Field(min_length=2, max_length=120)

    _reason = field_validator("reason")(lambda cls, v: reason_text(v))


class GoldReceipt(BaseModel):
    """The receipt of an admin adjustment."""

    receipt_code: str
    user_id: int
    direction: str
    amount: int
    balance_before: int
    balance_after: int
    reason: str
    audit_id: int
    created_at: datetime


AUDIT = Write("audit", "audit_logs", (
    ("id", "bigint"), ("actor_id", "bigint"), ("action", "text"), ("target_type", "text"), ("target_id", "text"),
    ("before", "json"), ("after", "json"), ("ip", "text"), ("request_id", "text")), (("created_at", NOW),))


def _callers_sql(store: Store) -> str:
    return store.rows_as_json("id, role, totp_enabled, banned", f"FROM users WHERE id {store.among(10, 'bigint')}")


# The acting admin's row, read in the group: rights count as they are now, not as the token says.
CALLERS = Read("callers", _callers_sql, lambda rows: {int(r[0]): (r[1], bool(r[2]), bool(r[3])) for r in rows})


def check_admin(unit: Unit, caller_id: int | None) -> None:
    """403 unless the caller is an unbanned admin (with TOTP enrolled where it is required), as of this group."""
    if caller_id is None:
        return  # built by an endpoint that ran require_admin itself
    role, totp, banned = unit.extra["callers"].get(caller_id, ("", False, True))
    if role != "admin" or banned:
        raise AdminRequired()
    if unit.settings.totp_required and not totp:
        raise TotpRequired()


@dataclass(kw_only=True)
class GoldAdjustPlan(Plan):
    """An admin's grant ('grant') or deduction ('deduct'); a deduction past the balance is 409 INSUFFICIENT_GOLD."""

    direction: str
    amount: int
    reason: str
    ctx: AuditContext

    reads: ClassVar[tuple[Read, ...]] = (CALLERS,)
    writes: ClassVar[tuple[Write, ...]] = (AUDIT,)

    def ref_ids(self) -> tuple[int, ...]:
        return () if self.caller_id is None else (self.caller_id,)

    def new_ids(self) -> dict[str, int]:
        return {"audit_logs": 1}

    def authorize(self, unit: Unit) -> None:
        check_admin(unit, self.caller_id)

    def apply(self, unit: Unit) -> Answer:
        player = unit.player(self.user_id)
        before = player.wallet.balance
        receipt = receipt_code("GR" if self.direction == "grant" else "GD")
        if self.direction == "grant":
            unit.credit(self.user_id, self.amount, System.ADMIN, "admin_grant", receipt, memo=self.reason)
        else:
            unit.debit(self.user_id, self.amount, System.ADMIN, "admin_deduct", receipt, memo=self.reason)
        after = player.wallet.balance
        audit_id = unit.new_id("audit_logs")
        unit.add("audit", (audit_id, self.ctx.actor_id, f"gold.{self.direction}", "user", str(self.user_id),
                           dumps({"gold": before}), dumps({"gold": after, "amount": self.amount, "reason": self.reason,
                                                          "receipt_code": receipt}), self.ctx.ip, self.ctx.request_id))
        unit.record_action(self.user_id, f"admin_{self.direction}", {"amount": self.amount, "reason": self.reason},
                           receipt)
        unit.emit(self.user_id, "profile_update", unit.profile(self.user_id))
        if self.direction == "grant":
            unit.emit(self.user_id, "reward_granted", {"source": "admin", "gold": self.amount, "reason": self.reason,
                                                        "receipt_code": receipt})
        return Answer(200, {"receipt_code": receipt, "user_id": self.user_id, "direction": self.direction,
                            "amount": self.amount, "balance_before": before, "balance_after": after,
                            "reason": self.reason, "audit_id": audit_id, "created_at": unit.now_json})
