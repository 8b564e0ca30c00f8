"""Ledger posting: a transfer row between two accounts, and the player balance it leaves."""

from __future__ import annotations

from dataclasses import dataclass

from casino_club.kit.errors import InsufficientGold


@dataclass
class Wallet:
    """A player's account as the unit of work holds it: id, running balance and what the player owes."""

    account_id: int
    balance: int
    owed: int = 0


@dataclass(frozen=True)
class Posting:
    """One transfer row: gold moves from `debit_id` to `credit_id`."""

    debit_id: int
    credit_id: int
    amount: int
    reason: str
    reference: str | None
    dedupe_key: str | None
    debit_after: int | None  # the player's balance after, when the debited account is the player's
    credit_after: int | None  # likewise for the credited account
    memo: str | None = None


def check_amount(amount: int) -> int:
    """A transfer amount: a positive int (bools are not amounts)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(f"transfer amount must be a positive int, got {amount!r}")
    return amount


def post_debit(wallet: Wallet, sink_id: int, amount: int, reason: str, reference: str | None = None,
               dedupe_key: str | None = None, memo: str | None = None) -> Posting:
    """Move `amount` from the player to a system account; 409 INSUFFICIENT_GOLD (nothing changed) if short."""
    check_amount(amount)
    if wallet.balance < amount:
        raise InsufficientGold({"required": amount})
    wallet.balance -= amount
    return Posting(wallet.account_id, sink_id, amount, reason, reference, dedupe_key, wallet.balance, None, memo)


def post_credit(wallet: Wallet, source_id: int, amount: int, reason: str, reference: str | None = None,
                dedupe_key: str | None = None, memo: str | None = None) -> Posting:
    """Move `amount` from a system account to the player."""
    check_amount(amount)
    wallet.balance += amount
    return Posting(source_id, wallet.account_id, amount, reason, reference, dedupe_key, None, wallet.balance, memo)


def repayment(wallet: Wallet) -> int:
    """How much of the balance goes to the player's debt now (after a credit): all of it, up to the debt."""
    return min(wallet.owed, wallet.balance)


def post_repayment(wallet: Wallet, creditor_id: int, reference: str | None = None) -> Posting | None:
    """Pay the debt from the balance just credited (player -> the creditor's account); None when nothing is owed."""
    amount = repayment(wallet)
    if amount <= 0:
        return None
    wallet.owed -= amount
    return post_debit(wallet, creditor_id, amount, "debt_repayment", reference)


def incur_debt(wallet: Wallet, amount: int) -> int:
    """Add to what the player owes (gold a claw-back could not take); the new debt."""
    check_amount(amount)
    wallet.owed += amount
    return wallet.owed


def claw_back(wallet: Wallet, amount: int) -> tuple[int, int]:
    """Split a claw-back of `amount` into what the balance covers now and what stays owed."""
    check_amount(amount)
    take = min(wallet.balance, amount)
    return take, amount - take
