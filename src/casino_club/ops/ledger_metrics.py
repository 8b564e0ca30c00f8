"""Feed casino_ledger_gold_total from committed transfers only (a rolled-back transfer moved nothing)."""

from __future__ import annotations

from casino_club.ops.metrics import LEDGER_GOLD


def count_committed(reason: str, direction: str, amount: int) -> None:
    """Count one transfer that has committed (the settlement writer calls it after the group's commit)."""
    LEDGER_GOLD.labels(reason=reason, direction=direction).inc(amount)
