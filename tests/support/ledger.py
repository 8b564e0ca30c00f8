"""Funding players in tests and benches through the settlement writer (the only way gold moves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casino_club.fairness.service import commit_seed_pair
from casino_club.kit.runtime import Runtime
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.unit import Unit
from casino_club.settlement.writer import SettlementWriter
from casino_club.wallet.service import System


@dataclass(kw_only=True)
class FundPlan(Plan):
    """Credit (amount > 0) or debit (amount < 0) players against a system account."""

    amounts: dict[int, int]
    system: System = System.ADMIN
    reason: str = "test_funding"

    def players(self) -> tuple[int, ...]:
        return tuple(sorted(self.amounts))

    def apply(self, unit: Unit) -> Answer:
        for uid, amount in sorted(self.amounts.items()):
            if amount > 0:
                unit.credit(uid, amount, self.system, self.reason)
            elif amount < 0:
                unit.debit(uid, -amount, self.system, self.reason)
        return Answer(200, {str(uid): unit.player(uid).wallet.balance for uid in self.amounts})


@dataclass(kw_only=True)
class ProgressPlan(Plan):
    """Report activity counts for a player, as a game or a purchase would (missions and events advance)."""

    counts: dict[str, int]

    def __post_init__(self) -> None:
        self.metrics = tuple(self.counts)  # which mission templates the group reads  # type: ignore[misc]

    def apply(self, unit: Unit) -> Answer:
        return Answer(200, {"updates": unit.progress(self.user_id, self.counts)})


async def report_progress(rt: Runtime, user_id: int, counts: dict[str, int]) -> None:
    """Advance a player's missions and events through the settlement writer (a writer of its own)."""
    w = SettlementWriter(rt, commit_seed_pair)
    try:
        await w.settle(ProgressPlan(user_id=user_id, counts=counts))
    finally:
        await w.close()


async def fund(rt: Runtime, amounts: dict[int, int], system: System = System.ADMIN, reason: str = "test_funding",
               writer: Any = None) -> dict[str, int]:
    """Move gold for these players in one settlement group (a writer of its own unless one is given)."""
    own = writer is None
    w = writer if writer is not None else SettlementWriter(rt, commit_seed_pair)
    try:
        plan = FundPlan(user_id=min(amounts), amounts=amounts, system=system, reason=reason)
        return (await w.settle(plan)).body  # type: ignore[no-any-return]
    finally:
        if own:
            await w.close()
