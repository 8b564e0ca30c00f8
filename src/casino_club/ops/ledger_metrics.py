"""Feed casino_ledger_gold_total from committed transfers only (a rolled-back transfer moved nothing)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from casino_club.ops.metrics import LEDGER_GOLD

_PENDING = "ledger_gold_pending"


def note_transfer(session: Session, reason: str, direction: str, amount: int) -> None:
    """Remember a transfer made in this session; counted when the transaction commits."""
    session.info.setdefault(_PENDING, []).append((reason, direction, amount))


def count_committed(reason: str, direction: str, amount: int) -> None:
    """Count one transfer that has committed (the group commit, which has no ORM session, calls this directly)."""
    LEDGER_GOLD.labels(reason=reason, direction=direction).inc(amount)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for reason, direction, amount in session.info.pop(_PENDING, ()):
        count_committed(reason, direction, amount)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
