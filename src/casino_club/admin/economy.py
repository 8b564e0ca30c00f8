"""Economy dashboard: gold in/out by reason, minted by source and burned by sink per local day, totals."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from casino_club.actions.models import UserAction
from casino_club.auth.models import User
from casino_club.kit.runtime import session_clock
from casino_club.wallet.models import Account, Transfer


class DayFlow(BaseModel):
    """Gold that entered (in) and left (out) player accounts on one local day, by reason."""

    day: date
    gold_in: dict[str, int]
    gold_out: dict[str, int]
    active_players: int
    minted: dict[str, int]  # gold created for players, by source (promotions, admin, shop = gold packs)
    burned: dict[str, int]  # gold taken out of play, by sink (house = stakes - payouts, shop items, admin)
    burn_ratio: float | None  # sum(burned) / sum(minted); None on a day nothing was minted


class EconomyOut(BaseModel):
    """The dashboard payload."""

    days: list[DayFlow]
    players: int
    player_gold: int
    purchases: dict[str, int]


async def economy(session: AsyncSession, days: int) -> EconomyOut:
    """Aggregate the last `days` local days; one ranged query per day keeps each aggregate on an index range."""
    clock = session_clock(session)
    today = clock.today()
    credit_acct, debit_acct = aliased(Account), aliased(Account)
    flows: list[DayFlow] = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start, end = clock.local_midnight_utc(day), clock.local_midnight_utc(day + timedelta(days=1))
        in_rows = (await session.execute(
            select(Transfer.reason, func.sum(Transfer.amount)).join(credit_acct, credit_acct.id == Transfer.credit_account_id)
            .where(credit_acct.kind == "player", Transfer.created_at >= start, Transfer.created_at < end)
            .group_by(Transfer.reason))).all()
        out_rows = (await session.execute(
            select(Transfer.reason, func.sum(Transfer.amount)).join(debit_acct, debit_acct.id == Transfer.debit_account_id)
            .where(debit_acct.kind == "player", Transfer.created_at >= start, Transfer.created_at < end)
            .group_by(Transfer.reason))).all()
        active = (await session.execute(select(func.count(func.distinct(UserAction.user_id))).where(
            UserAction.created_at >= start, UserAction.created_at < end))).scalar_one()
        minted, burned = await _minted_burned(session, start, end)
        total = sum(minted.values())
        flows.append(DayFlow(day=day, gold_in={r: int(a) for r, a in in_rows},
                             gold_out={r: int(a) for r, a in out_rows}, active_players=active, minted=minted,
                             burned=burned, burn_ratio=round(sum(burned.values()) / total, 4) if total else None))
    players = (await session.execute(select(func.count(User.id)))).scalar_one()
    player_gold = (await session.execute(select(func.coalesce(func.sum(Account.balance), 0))
                                         .where(Account.kind == "player"))).scalar_one()
    purchases = await _purchases_by_status(session)
    return EconomyOut(days=flows, players=players, player_gold=int(player_gold), purchases=purchases)


async def _minted_burned(session: AsyncSession, start: datetime, end: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Per system account, what it paid players and took from them in [start, end): the house nets out."""
    system, player = aliased(Account), aliased(Account)
    paid = dict((await session.execute(
        select(system.code, func.sum(Transfer.amount)).join(system, system.id == Transfer.debit_account_id)
        .join(player, player.id == Transfer.credit_account_id)
        .where(system.kind == "system", player.kind == "player", Transfer.created_at >= start,
               Transfer.created_at < end).group_by(system.code))).all())
    took = dict((await session.execute(
        select(system.code, func.sum(Transfer.amount)).join(system, system.id == Transfer.credit_account_id)
        .join(player, player.id == Transfer.debit_account_id)
        .where(system.kind == "system", player.kind == "player", Transfer.created_at >= start,
               Transfer.created_at < end).group_by(system.code))).all())
    minted: dict[str, int] = {}
    burned: dict[str, int] = {}
    for code in sorted(set(paid) | set(took)):
        name, net = code.removeprefix("system:"), int(took.get(code, 0) or 0) - int(paid.get(code, 0) or 0)
        if code == "system:house":  # stakes in, payouts out: the games burn their net
            burned[name] = net
            continue
        if paid.get(code):
            minted[name] = int(paid[code])
        if took.get(code):
            burned[name] = int(took[code])
    return minted, burned


async def _purchases_by_status(session: AsyncSession) -> dict[str, int]:
    # The shop package owns its tables; count through its model when it is installed.
    try:
        from casino_club.shop.models import ShopTransaction
    except ImportError:
        return {}
    rows = (await session.execute(select(ShopTransaction.status, func.count()).group_by(ShopTransaction.status))).all()
    return {status: int(count) for status, count in rows}
