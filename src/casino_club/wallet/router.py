"""Balance and ledger endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Select, bindparam, select

from casino_club.auth.deps import BEARER_SECURITY, Principal, current_principal, read_principal
from casino_club.auth.models import User
from casino_club.db import core_table
from casino_club.kit.jsonfast import FastJSONResponse, json_time
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.settlement.rules.levels import level_for
from casino_club.wallet.history import ledger_page
from casino_club.wallet.models import Account
from casino_club.wallet.schemas import BalanceOut, LedgerPage

router = APIRouter(tags=["wallet"])


def _balance_query() -> Select[Any]:
    a, u = core_table(Account).c, core_table(User).c
    return (select(a.balance, a.updated_at, u.xp, a.owed).join_from(core_table(Account), core_table(User), u.id == a.user_id)
            .where(a.user_id == bindparam("user_id")))


BALANCE = _balance_query()  # built once (building a statement per request cost more than running it)


@router.get("/api/users/balance", response_model=BalanceOut, openapi_extra=BEARER_SECURITY)
async def balance(request: Request, principal: Principal = Depends(read_principal)) -> Response:
    """The authoritative balance, level and XP, and gold owed (later credits pay it first)."""
    # One Core statement, answered without a response model (it is only documentation here).
    [(gold, updated_at, xp, owed)] = await request.app.state.rt.read(BALANCE, {"user_id": principal.user_id})
    return FastJSONResponse({"gold": gold, "level": level_for(xp), "xp": xp, "owed": owed,
                             "updated_at": json_time(updated_at)})


@router.get("/api/wallet/transactions", response_model=LedgerPage)
async def transactions(cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100),
                       principal: Principal = Depends(current_principal),
                       rt: Runtime = Depends(get_runtime)) -> LedgerPage:
    """The caller's ledger, newest first."""
    async with rt.sessionmaker() as session:
        return await ledger_page(session, principal.user_id, cursor, limit)
