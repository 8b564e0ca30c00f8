"""Ledger accounts and double-entry transfers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class Account(Base):
    """A ledger account. Player balances live on the row; system balances are derived from transfers."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("kind <> 'player' OR balance >= 0", name="player_balance_non_negative"),
        CheckConstraint("kind IN ('player', 'system')", name="kind_valid"),
        CheckConstraint("owed >= 0", name="owed_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(64), unique=True)  # 'user:42' or 'system:house'
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Gold the player owes (a refund claw-back the balance could not cover); later credits pay it first.
    owed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Transfer(Base):
    """One movement of gold from a debit account to a credit account."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(128))
    # Business-level exactly-once guard (e.g. 'purchase:RC-..:credit'); NULLs never collide.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    debit_balance_after: Mapped[int | None] = mapped_column(BigInteger)
    credit_balance_after: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountDebt(Base):
    """One debt as it arose (e.g. the refund that left it); repayments are `debt_repayment` transfers."""

    __tablename__ = "account_debts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_account_debts_account", AccountDebt.account_id, AccountDebt.id)
Index("ix_transfers_debit", Transfer.debit_account_id, Transfer.id)
Index("ix_transfers_credit", Transfer.credit_account_id, Transfer.id)
