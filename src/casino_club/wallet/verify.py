"""Ledger verification: every invariant the ledger promises, checked from the tables alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.wallet.models import Account, AccountDebt, Transfer


@dataclass
class LedgerReport:
    """Outcome of a verification run."""

    accounts: int = 0
    transfers: int = 0
    player_gold: int = 0
    owed: int = 0  # gold players owe (refund claw-backs their balances could not cover)
    system_balances: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no invariant is broken."""
        return not self.problems


async def verify_ledger(session: AsyncSession) -> LedgerReport:
    """Check sum(transfers) == balance and owed == debts - repayments per player, and zero-sum totals."""
    report = LedgerReport()
    credits = dict((await session.execute(
        select(Transfer.credit_account_id, func.sum(Transfer.amount)).group_by(Transfer.credit_account_id))).all())
    debits = dict((await session.execute(
        select(Transfer.debit_account_id, func.sum(Transfer.amount)).group_by(Transfer.debit_account_id))).all())
    report.transfers = (await session.execute(select(func.count(Transfer.id)))).scalar_one()
    bad_amounts = (await session.execute(select(func.count(Transfer.id)).where(Transfer.amount <= 0))).scalar_one()
    if bad_amounts:
        report.problems.append(f"{bad_amounts} transfers with a non-positive amount")
    debts = dict((await session.execute(
        select(AccountDebt.account_id, func.sum(AccountDebt.amount)).group_by(AccountDebt.account_id))).all())
    repaid = dict((await session.execute(
        select(Transfer.debit_account_id, func.sum(Transfer.amount)).where(Transfer.reason == "debt_repayment")
        .group_by(Transfer.debit_account_id))).all())
    derived_total = 0
    for account in (await session.execute(select(Account).order_by(Account.id))).scalars():
        report.accounts += 1
        derived = int(credits.get(account.id, 0) or 0) - int(debits.get(account.id, 0) or 0)
        derived_total += derived
        if account.kind == "player":
            report.player_gold += account.balance
            if account.balance != derived:
                report.problems.append(
                    f"{account.code}: balance {account.balance} != sum of transfers {derived}")
            if account.balance < 0:
                report.problems.append(f"{account.code}: negative balance {account.balance}")
            owed = int(debts.get(account.id, 0) or 0) - int(repaid.get(account.id, 0) or 0)
            if account.owed != owed or owed < 0:
                report.problems.append(f"{account.code}: owes {account.owed} != debts - repayments {owed}")
            report.owed += account.owed
        else:
            report.system_balances[account.code] = derived
    if derived_total != 0:
        report.problems.append(f"transfers do not sum to zero across accounts: {derived_total}")
    orphans = (await session.execute(select(func.count(User.id)).where(
        ~select(Account.id).where(Account.user_id == User.id).exists()))).scalar_one()
    if orphans:
        report.problems.append(f"{orphans} users without a ledger account")
    return report
