"""What every game round shares: bet checks, the stake debit, the round row, stats, XP, progress, events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.auth.profile import load_profile
from casino_club.config import Settings
from casino_club.db import rows_matched
from casino_club.engagement.progress import add_xp, record_progress, wager_xp
from casino_club.fairness.models import SeedPair
from casino_club.fairness.service import FairDraw
from casino_club.games.errors import BetOutOfRange
from casino_club.games.models import GameRound, GameStats
from casino_club.games.schemas import FairnessRef, RoundOut
from casino_club.kit.runtime import session_now, session_settings
from casino_club.ops.metrics import GAME_PAYOUT, GAME_ROUNDS, GAME_WAGER
from casino_club.outbox.service import emit
from casino_club.wallet.service import Moved, System, credit_player, debit_player

GAMES = ("slot", "rps", "gacha", "crash")


def check_bet(session: AsyncSession, bet: int) -> int:
    """A stake within the configured limits (422 BET_OUT_OF_RANGE otherwise)."""
    return check_bet_limits(session_settings(session), bet)


def check_bet_limits(settings: Settings, bet: int) -> int:
    """check_bet for code that holds the settings rather than a session."""
    if isinstance(bet, bool) or not isinstance(bet, int) or not settings.min_bet <= bet <= settings.max_bet:
        raise BetOutOfRange({"min_bet": settings.min_bet, "max_bet": settings.max_bet})
    return bet


async def take_stake(session: AsyncSession, user_id: int, r: GameRound, reason: str) -> Moved:
    """Debit the round's stake into the house account (409 INSUFFICIENT_GOLD rolls the whole round back)."""
    moved = await debit_player(session, user_id, r.stake, sink=System.HOUSE, reason=reason,
                               reference=f"round:{r.id}")
    GAME_WAGER.labels(r.game).inc(r.stake)
    return moved


def fairness_ref(r: GameRound, revealed_seed: str | None = None) -> FairnessRef:
    """The fairness inputs of a round row."""
    return FairnessRef(seed_pair_id=r.seed_pair_id, server_seed_hash=r.server_seed_hash,
                       client_seed=r.client_seed, nonce=r.nonce, server_seed=revealed_seed)


def round_out(r: GameRound, revealed_seed: str | None = None) -> RoundOut:
    """Public view of a round row (crash rows carry no crash point until settled)."""
    return RoundOut(round_id=r.id, game=r.game, status=r.status, result=r.result, stake=r.stake, payout=r.payout,
                    net=r.payout - r.stake if r.status == "settled" else -r.stake, params=r.params,
                    outcome=r.outcome, fairness=fairness_ref(r, revealed_seed), created_at=r.created_at,
                    settled_at=r.settled_at)


async def insert_round(session: AsyncSession, user_id: int, game: str, stake: int, draw: FairDraw,
                       params: dict[str, Any], outcome: dict[str, Any], *, payout: int, result: str,
                       status: str = "settled") -> GameRound:
    """Write the round row (flushed, so it has an id)."""
    now = session_now(session)
    r = GameRound(user_id=user_id, game=game, stake=stake, payout=payout, result=result, status=status,
                  params=params, outcome=outcome, seed_pair_id=draw.seed_pair_id,
                  server_seed_hash=draw.server_seed_hash, client_seed=draw.client_seed, nonce=draw.nonce,
                  created_at=now, settled_at=now if status == "settled" else None)
    session.add(r)
    await session.flush()
    return r


async def pay(session: AsyncSession, user_id: int, r: GameRound, amount: int) -> int | None:
    """Credit a payout from the house once per round; returns the new balance (None when nothing is paid)."""
    if amount <= 0:
        return None
    moved = await credit_player(session, user_id, amount, source=System.HOUSE, reason=f"{r.game}_payout",
                                reference=f"round:{r.id}", dedupe_key=f"round:{r.id}:payout")
    GAME_PAYOUT.labels(r.game).inc(amount)
    return moved.balance


async def record_stats(session: AsyncSession, user_id: int, game: str, stake: int, payout: int, result: str,
                       multiplier_x100: int = 0) -> None:
    """Add one settled round to the player's stats row for the game (insert on first round)."""
    profit = payout - stake
    win_mult = multiplier_x100 if result == "win" else 0
    values = dict(
        rounds=GameStats.rounds + 1,
        wins=GameStats.wins + (1 if result == "win" else 0),
        losses=GameStats.losses + (1 if result == "lose" else 0),
        ties=GameStats.ties + (1 if result == "draw" else 0),
        wagered=GameStats.wagered + stake,
        won=GameStats.won + payout,
        biggest_win=case((GameStats.biggest_win < profit, profit), else_=GameStats.biggest_win),
        highest_multiplier_x100=case((GameStats.highest_multiplier_x100 < win_mult, win_mult),
                                     else_=GameStats.highest_multiplier_x100),
        updated_at=session_now(session),
    )
    stmt = (update(GameStats).where(GameStats.user_id == user_id, GameStats.game == game).values(**values)
            .execution_options(synchronize_session=False))
    if rows_matched(await session.execute(stmt)) == 1:
        return
    try:
        async with session.begin_nested():
            session.add(GameStats(
                user_id=user_id, game=game, rounds=1, wins=int(result == "win"), losses=int(result == "lose"),
                ties=int(result == "draw"), wagered=stake, won=payout, biggest_win=max(0, profit),
                highest_multiplier_x100=win_mult, updated_at=session_now(session)))
    except IntegrityError:  # created concurrently: add to it instead
        await session.execute(stmt)


@dataclass(frozen=True)
class Settled:
    """What the shared tail of a round produced."""

    xp: int
    level: int


async def after_round(session: AsyncSession, user_id: int, r: GameRound, *, progress: dict[str, int],
                      award_xp: bool = True, multiplier_x100: int = 0) -> Settled:
    """Stats, XP, mission progress, history and metrics for a round that has just settled."""
    if r.status == "settled":
        await record_stats(session, user_id, r.game, r.stake, r.payout, r.result, multiplier_x100)
        GAME_ROUNDS.labels(r.game, r.result).inc()
        await record_action(session, user_id, "game", {
            "game": r.game, "round_id": r.id, "stake": r.stake, "payout": r.payout, "result": r.result,
        }, reference=f"round:{r.id}")
    if award_xp:
        xp, level = await add_xp(session, user_id, wager_xp(r.stake), "game")
    else:
        xp, level = await add_xp(session, user_id, 0, "game")
    await record_progress(session, user_id, progress)
    return Settled(xp, level)


async def publish(session: AsyncSession, user_id: int, summary: dict[str, Any]) -> None:
    """`game_update` with the round summary, then `profile_update` with the fresh profile."""
    await emit(session, user_id, "game_update", summary)
    profile = await load_profile(session, user_id)
    await emit(session, user_id, "profile_update", profile.model_dump(mode="json"))


async def revealed_seeds(session: AsyncSession, pair_ids: set[int]) -> dict[int, str]:
    """Server seeds of the given pairs that have been rotated (public now)."""
    if not pair_ids:
        return {}
    rows = await session.execute(select(SeedPair.id, SeedPair.server_seed).where(
        SeedPair.id.in_(pair_ids), SeedPair.active_user_id.is_(None)))
    return {pid: seed for pid, seed in rows}
