"""Crash: the crash point is fixed (and kept secret) at bet time; server time decides every cash-out.

m(t) = e^(0.06 t) from the round's start. A cash-out wins iff m(now) < the exact crash point and pays
stake × m(now), stake included, made whole by provably fair rounding (rules.round_gold). Rounds nobody cashes out end at their `due_at` (the auto
cash-out time when it is reached, else the crash time), settled by whoever claims them first: the
background settler on any instance, a late cash-out, or a read of the round. A claim is one
conditional UPDATE status 'open' → 'settled', so each round is settled exactly once.
"""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.fairness.engine import float_word, word_float
from casino_club.fairness.service import next_outcome
from casino_club.games.daily_limit import check_daily_limit
from casino_club.games.errors import RoundAlreadySettled, RoundCrashed, RoundNotFound, input_error
from casino_club.games.models import CrashRound, GameRound
from casino_club.games.rules import InvalidGameInput, crash, round_gold
from casino_club.games.schemas import CrashBetIn, CrashCashoutIn, CrashPlayOut, CrashRoundOut
from casino_club.games.service_common import after_round, check_bet, insert_round, pay, publish, round_out, take_stake
from casino_club.kit.runtime import Runtime, session_now
from casino_club.wallet.service import balance_of

SETTLE_INTERVAL_S = 0.5
SETTLE_BATCH = 200


def due_at(started_at: datetime, crash_x100: int, target_x100: int | None, point: Fraction) -> datetime:
    """When the server ends the round: at the reached auto cash-out, else at the exact crash (rounded up)."""
    won = target_x100 is not None and crash.auto_cashout_wins(target_x100, crash_x100)
    end = target_x100 / 100 if won and target_x100 is not None else float(point)
    micros = math.ceil(crash.seconds_until(end) * 1_000_000) + 1
    return started_at + timedelta(microseconds=micros)


def exact_point(c: CrashRound) -> Fraction:
    """The round's exact crash point (decides manual cash-outs); rounds before 0004 use the shown one."""
    return crash.exact_point(word_float(c.crash_word)) if c.crash_word is not None else Fraction(c.crash_x100, 100)


def rounding_float(c: CrashRound) -> float:
    """The round's payout rounding float (the stream's second float)."""
    return word_float(c.round_word) if c.round_word is not None else 0.0


def view(r: GameRound, c: CrashRound, now: datetime) -> CrashRoundOut:
    """Public view of a crash round; an open round shows the live multiplier, never the crash point."""
    elapsed = max(0.0, (now - c.started_at).total_seconds())
    live = crash.multiplier_at(elapsed) if c.status == "open" else None
    return CrashRoundOut(**round_out(r).model_dump(), started_at=c.started_at, server_time=now,
                         elapsed_seconds=round(elapsed, 6), current_multiplier=live, growth_rate=crash.GROWTH_RATE)


def _summary(out: CrashRoundOut) -> dict[str, object]:
    return out.model_dump(mode="json")


async def bet(session: AsyncSession, user_id: int, body: CrashBetIn) -> CrashPlayOut:
    """Place a crash bet; the round starts now and ends by cash-out, auto cash-out or crash."""
    try:
        target = crash.parse_auto_cashout(body.auto_cashout)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc
    stake = check_bet(session, body.bet)
    draw = await next_outcome(session, user_id, crash.floats_needed())
    await check_daily_limit(session, user_id, stake)
    point = crash.play(draw.floats, target).crash_point_x100
    exact = crash.exact_point(draw.floats[0])
    now = session_now(session)
    r = await insert_round(session, user_id, "crash", stake, draw, {"bet": stake, "auto_cashout_x100": target},
                           {"auto_cashout_x100": target, "started_at": now.isoformat()},
                           payout=0, result="open", status="open")
    moved = await take_stake(session, user_id, r, "crash_bet")
    c = CrashRound(round_id=r.id, user_id=user_id, seed_pair_id=draw.seed_pair_id, stake=stake, crash_x100=point,
                   crash_word=float_word(draw.floats[0]), round_word=float_word(draw.floats[-1]),
                   auto_cashout_x100=target, started_at=now, due_at=due_at(now, point, target, exact), status="open")
    session.add(c)
    await session.flush()
    done = await after_round(session, user_id, r, progress={"games_played": 1, "crash_rounds": 1,
                                                            "gold_wagered": stake})
    out = view(r, c, now)
    await publish(session, user_id, _summary(out) | {"balance": moved.balance})
    return CrashPlayOut(**out.model_dump(), balance=moved.balance, xp=done.xp, level=done.level)


async def _claim(session: AsyncSession, round_id: int, user_id: int | None = None) -> CrashRound | None:
    stmt = update(CrashRound).where(CrashRound.round_id == round_id, CrashRound.status == "open")
    if user_id is not None:
        stmt = stmt.where(CrashRound.user_id == user_id)
    claimed = (await session.execute(stmt.values(status="settled", settled_at=session_now(session))
                                     .returning(CrashRound.round_id)
                                     .execution_options(synchronize_session=False))).scalar_one_or_none()
    if claimed is None:
        return None
    return await session.get(CrashRound, round_id, populate_existing=True)


async def _settle(session: AsyncSession, c: CrashRound, *, payout: int, ended_by: str,
                  multiplier: float | None) -> CrashPlayOut:
    """Write the end of a claimed round: payout, revealed outcome, stats, events."""
    now = session_now(session)
    r = await session.get(GameRound, c.round_id, populate_existing=True)
    assert r is not None
    auto_won = c.auto_cashout_x100 is not None and crash.auto_cashout_wins(c.auto_cashout_x100, c.crash_x100)
    revealed = crash.outcome_dict(crash.CrashOutcome(c.crash_x100, c.auto_cashout_x100, auto_won))
    r.outcome = revealed | {"started_at": c.started_at.isoformat(), "ended_by": ended_by,
                            "cashout_multiplier": multiplier}
    r.payout = payout
    r.result = "win" if payout > c.stake else ("draw" if payout == c.stake else "lose")
    r.status, r.settled_at = "settled", now
    await session.flush()
    balance = await pay(session, c.user_id, r, payout)
    if balance is None:
        balance = await balance_of(session, c.user_id)
    mult_x100 = math.floor(multiplier * 100) if multiplier is not None and payout > 0 else 0
    done = await after_round(session, c.user_id, r, progress={"wins": int(r.result == "win")}, award_xp=False,
                             multiplier_x100=mult_x100)
    out = view(r, c, now)
    await publish(session, c.user_id, _summary(out) | {"balance": balance})
    return CrashPlayOut(**out.model_dump(), balance=balance, xp=done.xp, level=done.level)


async def settle_due(session: AsyncSession, c: CrashRound) -> CrashPlayOut:
    """End a claimed round whose due time has passed: the auto cash-out pays if reached, else it crashed."""
    target = c.auto_cashout_x100
    if target is not None and crash.auto_cashout_wins(target, c.crash_x100):
        payout = round_gold(crash.auto_value(c.stake, target), rounding_float(c))
        return await _settle(session, c, payout=payout, ended_by="auto_cashout",
                             multiplier=target / 100)
    return await _settle(session, c, payout=0, ended_by="crashed", multiplier=None)


def _crashed(c: CrashRound) -> RoundCrashed:
    return RoundCrashed({"round_id": c.round_id, "crash_point": c.crash_x100 / 100})


async def cashout(session: AsyncSession, user_id: int, body: CrashCashoutIn) -> CrashPlayOut:
    """Cash out now: wins stake × m(now) (fair-rounded) iff m(now) < crash point; after the crash → 409 and lost."""
    now = session_now(session)
    c = await _claim(session, body.round_id, user_id)
    if c is None:
        existing = await session.get(CrashRound, body.round_id)
        if existing is None or existing.user_id != user_id:
            raise RoundNotFound({"round_id": body.round_id})
        r = await session.get(GameRound, body.round_id)
        if r is not None and r.result == "lose":
            raise _crashed(existing)
        raise RoundAlreadySettled({"round_id": body.round_id, "payout": r.payout if r else 0})
    if now >= c.due_at:
        out = await settle_due(session, c)
        if out.result == "lose":
            raise _crashed(c)  # KeepEffects: the loss is committed, the 409 is the stored answer
        return out
    m = crash.multiplier_at((now - c.started_at).total_seconds())
    if crash.cashout_wins(m, exact_point(c)):
        return await _settle(session, c, payout=crash.cashout_payout(c.stake, m, rounding_float(c)),
                             ended_by="cashout", multiplier=m)
    await _settle(session, c, payout=0, ended_by="crashed", multiplier=None)
    raise _crashed(c)


async def get_round(rt: Runtime, user_id: int, round_id: int) -> CrashRoundOut:
    """A crash round of the caller; one that is past due is settled first, so the view is never stale."""
    async with rt.sessionmaker() as session:
        c = await session.get(CrashRound, round_id)
        if c is None or c.user_id != user_id:
            raise RoundNotFound({"round_id": round_id})
        now = rt.clock.now()
        if c.status == "open" and now >= c.due_at:
            await session.rollback()
            await settle_one(rt, round_id)
            await session.rollback()  # read again after the settling transaction committed
            c = await session.get(CrashRound, round_id, populate_existing=True)
            assert c is not None
        r = await session.get(GameRound, round_id, populate_existing=True)
        assert r is not None
        return view(r, c, now)


async def settle_one(rt: Runtime, round_id: int) -> bool:
    """Claim and settle one due round in its own transaction; False if someone else got it first."""
    async with rt.transaction() as session:
        c = await _claim(session, round_id)
        if c is None:
            return False
        await settle_due(session, c)
        return True


async def settle_due_rounds(rt: Runtime, limit: int = SETTLE_BATCH) -> int:
    """Settle every open round whose due time has passed (safe on many instances; catches up after restarts)."""
    now = rt.clock.now()
    async with rt.sessionmaker() as session:
        ids = list((await session.execute(
            select(CrashRound.round_id).where(CrashRound.status == "open", CrashRound.due_at <= now)
            .order_by(CrashRound.due_at).limit(limit))).scalars())
    settled = 0
    for round_id in ids:
        settled += int(await settle_one(rt, round_id))
    return settled


async def crash_settler(rt: Runtime) -> None:
    """Background job: settle due crash rounds every SETTLE_INTERVAL_S seconds."""
    while True:
        if await settle_due_rounds(rt) < SETTLE_BATCH:
            await asyncio.sleep(SETTLE_INTERVAL_S)
