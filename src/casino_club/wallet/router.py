"""Balance and ledger endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from casino_club.auth.deps import Principal, current_principal
from casino_club.auth.models import User
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.wallet.history import ledger_page
from casino_club.wallet.models import Account
from casino_club.wallet.schemas import BalanceOut, LedgerPage

router = APIRouter(tags=["wallet"])


@router.get("/api/users/balance", response_model=BalanceOut)
async def balance(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> BalanceOut:
    """The authoritative balance, level and XP."""
    async with rt.sessionmaker() as session:
        account, user = (await session.execute(select(Account, User).join(User, User.id == Account.user_id)
                                               .where(Account.user_id == principal.user_id))).one()
    return BalanceOut(gold=account.balance, level=user.level, xp=user.xp, updated_at=account.updated_at)


@router.get("/api/wallet/transactions", response_model=LedgerPage)
async def transactions(cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100),
                       principal: Principal = Depends(current_principal),
                       rt: Runtime = Depends(get_runtime)) -> LedgerPage:
    """The caller's ledger, newest first."""
    async with rt.sessionmaker() as session:
        return await ledger_page(session, principal.user_id, cursor, limit)
