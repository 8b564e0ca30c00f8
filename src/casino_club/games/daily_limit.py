"""Optional per-rank daily bet caps: the gold a player may bet on slot, RPS and crash per operator day."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.games.errors import DailyBetLimit
from casino_club.games.models import GameRound
from casino_club.kit.runtime import session_clock, session_settings

BET_GAMES = ("slot", "rps", "crash")  # gacha pulls have a fixed price: they are purchases, not bets


async def check_daily_limit(session: AsyncSession, user_id: int, stake: int) -> None:
    """409 DAILY_BET_LIMIT if this stake takes the player's bets today past his rank's cap (no cap: no query).

    Call it after the round's seed pair is locked: the player's rounds are then serialised, so two
    concurrent bets cannot both fit under the cap.
    """
    limits = session_settings(session).daily_bet_limits
    if not limits:
        return
    rank = (await session.execute(select(User.rank).where(User.id == user_id))).scalar_one()
    cap = limits.get(rank)
    if cap is None:
        return
    clock = session_clock(session)
    since = clock.local_midnight_utc(clock.today())
    # A player's rounds get ids in the order they are created, so today's are those after the last one
    # created before midnight: found by walking back along (user_id, id), never through his whole history.
    before_today = (select(func.max(GameRound.id))
                    .where(GameRound.user_id == user_id, GameRound.created_at < since).scalar_subquery())
    bet_today = (await session.execute(
        select(func.coalesce(func.sum(GameRound.stake), 0)).where(
            GameRound.user_id == user_id, GameRound.id > func.coalesce(before_today, 0),
            GameRound.game.in_(BET_GAMES)))).scalar_one()
    if bet_today + stake > cap:
        raise DailyBetLimit({"rank": rank, "limit": cap, "bet_today": int(bet_today),
                             "remaining": max(0, cap - int(bet_today))})
