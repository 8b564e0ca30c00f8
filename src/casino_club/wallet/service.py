"""Ledger accounts: the system accounts, opening a player's account, reading a balance.

Gold moves only through the settlement writer (settlement/unit.py: debit, credit, owe).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import NotFound
from casino_club.kit.runtime import session_now
from casino_club.wallet.models import Account


class System(StrEnum):
    """System accounts; their balances are derived from transfers so no row becomes a hot spot."""

    HOUSE = "house"            # game stakes in, payouts out
    SHOP = "shop"              # gold spent on items in, gold packs sold out
    PROMOTIONS = "promotions"  # sign-up gold, streaks, missions, events, VIP
    ADMIN = "admin"            # manual grants and deductions


def system_code(name: System) -> str:
    """Account code of a system account."""
    return f"system:{name.value}"


def player_code(user_id: int) -> str:
    """Account code of a player's account."""
    return f"user:{user_id}"


async def ensure_system_accounts(session: AsyncSession) -> None:
    """Create any missing system accounts (idempotent; safe with concurrent starters)."""
    existing = set((await session.execute(select(Account.code).where(Account.kind == "system"))).scalars())
    for name in System:
        code = system_code(name)
        if code in existing:
            continue
        try:
            async with session.begin_nested():
                session.add(Account(kind="system", code=code, balance=0, updated_at=session_now(session)))
        except IntegrityError:
            pass  # another instance created it first


async def open_player_account(session: AsyncSession, user_id: int) -> Account:
    """Create a player's account with a zero balance."""
    account = Account(kind="player", code=player_code(user_id), user_id=user_id, balance=0,
                      updated_at=session_now(session))
    session.add(account)
    await session.flush()
    return account


async def balance_of(session: AsyncSession, user_id: int) -> int:
    """A player's current balance."""
    value = (await session.execute(select(Account.balance).where(Account.user_id == user_id))).scalar_one_or_none()
    if value is None:
        raise NotFound({"user_id": user_id})
    return value
