"""A player's ledger lines, keyset-paginated over the debit and credit indexes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import NotFound
from casino_club.kit.pagination import decode_cursor, next_cursor
from casino_club.wallet.models import Account, Transfer
from casino_club.wallet.schemas import LedgerLine, LedgerPage


async def ledger_page(session: AsyncSession, user_id: int, cursor: str | None, limit: int) -> LedgerPage:
    """Newest-first transfers touching the player's account."""
    account_id = (await session.execute(select(Account.id).where(Account.user_id == user_id))).scalar_one_or_none()
    if account_id is None:
        raise NotFound({"user_id": user_id})
    before = decode_cursor(cursor)
    rows: list[Transfer] = []
    # Two index range scans (debit side, credit side) merged, instead of one OR that defeats the indexes.
    for column in (Transfer.debit_account_id, Transfer.credit_account_id):
        q = select(Transfer).where(column == account_id)
        if before is not None:
            q = q.where(Transfer.id < before)
        rows.extend((await session.execute(q.order_by(Transfer.id.desc()).limit(limit + 1))).scalars())
    rows = sorted({r.id: r for r in rows}.values(), key=lambda r: r.id, reverse=True)[: limit + 1]
    items = [LedgerLine(
        id=r.id, amount=r.amount if r.credit_account_id == account_id else -r.amount,
        balance_after=r.credit_balance_after if r.credit_account_id == account_id else r.debit_balance_after,
        reason=r.reason, reference=r.reference, memo=r.memo, created_at=r.created_at) for r in rows[:limit]]
    return LedgerPage(items=items, next_cursor=next_cursor(rows, limit))
