"""The ledger: the only code that moves gold. Every call writes a transfer in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import InsufficientGold, NotFound
from casino_club.kit.runtime import session_now
from casino_club.ops.ledger_metrics import note_transfer
from casino_club.wallet.models import Account, Transfer


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


@dataclass(frozen=True)
class Moved:
    """Result of a transfer: the row and the player's balance afterwards."""

    transfer: Transfer
    balance: int


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


async def _account_id(session: AsyncSession, code: str) -> int:
    account_id = (await session.execute(select(Account.id).where(Account.code == code))).scalar_one_or_none()
    if account_id is None:
        raise NotFound({"account": code})
    return account_id


async def credit_player(session: AsyncSession, user_id: int, amount: int, *, source: System, reason: str,
                        reference: str | None = None, dedupe_key: str | None = None,
                        memo: str | None = None) -> Moved:
    """Move gold from a system account to a player."""
    _check_amount(amount)
    player_id, balance = await _apply(session, user_id, +amount)
    source_id = await _account_id(session, system_code(source))
    transfer = await _record(session, source_id, player_id, amount, reason, reference, dedupe_key, memo,
                             credit_after=balance)
    return Moved(transfer, balance)


async def debit_player(session: AsyncSession, user_id: int, amount: int, *, sink: System, reason: str,
                       reference: str | None = None, dedupe_key: str | None = None,
                       memo: str | None = None) -> Moved:
    """Move gold from a player to a system account; 409 INSUFFICIENT_GOLD if it would go below 0."""
    _check_amount(amount)
    player_id, balance = await _apply(session, user_id, -amount)
    sink_id = await _account_id(session, system_code(sink))
    transfer = await _record(session, player_id, sink_id, amount, reason, reference, dedupe_key, memo,
                             debit_after=balance)
    return Moved(transfer, balance)


async def balance_of(session: AsyncSession, user_id: int) -> int:
    """A player's current balance."""
    value = (await session.execute(select(Account.balance).where(Account.user_id == user_id))).scalar_one_or_none()
    if value is None:
        raise NotFound({"user_id": user_id})
    return value


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(f"transfer amount must be a positive int, got {amount!r}")


async def _apply(session: AsyncSession, user_id: int, delta: int) -> tuple[int, int]:
    # One conditional UPDATE: atomic on both databases, no read-modify-write race.
    stmt = update(Account).where(Account.user_id == user_id).values(
        balance=Account.balance + delta, updated_at=session_now(session))
    if delta < 0:
        stmt = stmt.where(Account.balance >= -delta)
    row = (await session.execute(stmt.returning(Account.id, Account.balance))).one_or_none()
    if row is None:
        if delta < 0 and (await session.execute(
                select(Account.id).where(Account.user_id == user_id))).scalar_one_or_none() is not None:
            raise InsufficientGold({"required": -delta})
        raise NotFound({"user_id": user_id})
    return row[0], row[1]


async def _record(session: AsyncSession, debit_id: int, credit_id: int, amount: int, reason: str,
                  reference: str | None, dedupe_key: str | None, memo: str | None,
                  debit_after: int | None = None, credit_after: int | None = None) -> Transfer:
    transfer = Transfer(debit_account_id=debit_id, credit_account_id=credit_id, amount=amount, reason=reason,
                        reference=reference, dedupe_key=dedupe_key, memo=memo, debit_balance_after=debit_after,
                        credit_balance_after=credit_after, created_at=session_now(session))
    session.add(transfer)
    await session.flush()
    note_transfer(session.sync_session, reason, "in" if credit_after is not None else "out", amount)
    return transfer
