"""Admin gold grants and deductions: ledger transfer + receipt + audit + events, one transaction."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import User
from casino_club.auth.profile import load_profile
from casino_club.kit.errors import NotFound
from casino_club.kit.fields import reason_text
from casino_club.kit.ids import receipt_code
from casino_club.kit.runtime import session_now
from casino_club.outbox.service import emit
from casino_club.wallet.service import System, balance_of, credit_player, debit_player

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


async def adjust_gold(session: AsyncSession, ctx: AuditContext, user_id: int, body: GoldChangeIn,
                      direction: str) -> GoldReceipt:
    """Grant ('grant') or deduct ('deduct') gold; a deduction past the balance is 409 INSUFFICIENT_GOLD."""
    if (await session.execute(select(User.id).where(User.id == user_id))).scalar_one_or_none() is None:
        raise NotFound({"user_id": user_id})
    before = await balance_of(session, user_id)
    receipt = receipt_code("GR" if direction == "grant" else "GD")
    move = credit_player if direction == "grant" else debit_player
    kwargs = {"source": System.ADMIN} if direction == "grant" else {"sink": System.ADMIN}
    moved = await move(session, user_id, body.amount, reason=f"admin_{direction}", reference=receipt,
                       memo=body.reason, **kwargs)
    row = await audit(session, ctx, f"gold.{direction}", "user", user_id,
                      before={"gold": before}, after={"gold": moved.balance, "amount": body.amount,
                                                      "reason": body.reason, "receipt_code": receipt})
    await record_action(session, user_id, f"admin_{direction}", {"amount": body.amount, "reason": body.reason},
                        reference=receipt)
    profile = await load_profile(session, user_id)
    await emit(session, user_id, "profile_update", profile.model_dump(mode="json"))
    if direction == "grant":
        await emit(session, user_id, "reward_granted", {"source": "admin", "gold": body.amount,
                                                         "reason": body.reason, "receipt_code": receipt})
    return GoldReceipt(receipt_code=receipt, user_id=user_id, direction=direction, amount=body.amount,
                       balance_before=before, balance_after=moved.balance, reason=body.reason,
                       audit_id=row.id, created_at=session_now(session))
