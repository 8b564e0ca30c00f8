"""Wallet response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BalanceOut(BaseModel):
    """The authoritative balance."""

    gold: int
    level: int
    xp: int
    owed: int  # gold a refund claw-back could not take; every later credit pays it first
    updated_at: datetime


class LedgerLine(BaseModel):
    """One transfer as seen from the player's account: positive in, negative out."""

    id: int
    amount: int
    balance_after: int | None
    reason: str
    reference: str | None
    memo: str | None
    created_at: datetime


class LedgerPage(BaseModel):
    """A page of the player's ledger."""

    items: list[LedgerLine]
    next_cursor: str | None
