"""What the game endpoints share: the bet check and the public view of a round row (rounds settle as plans)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.config import Settings
from casino_club.fairness.models import SeedPair
from casino_club.games.errors import BetOutOfRange
from casino_club.games.models import GameRound
from casino_club.games.schemas import FairnessRef, RoundOut

GAMES = ("slot", "rps", "gacha", "crash")


def check_bet_limits(settings: Settings, bet: int) -> int:
    """A stake within the configured limits (422 BET_OUT_OF_RANGE otherwise)."""
    if isinstance(bet, bool) or not isinstance(bet, int) or not settings.min_bet <= bet <= settings.max_bet:
        raise BetOutOfRange({"min_bet": settings.min_bet, "max_bet": settings.max_bet})
    return bet


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


async def revealed_seeds(session: AsyncSession, pair_ids: set[int]) -> dict[int, str]:
    """Server seeds of the given pairs that have been rotated (public now)."""
    if not pair_ids:
        return {}
    rows = await session.execute(select(SeedPair.id, SeedPair.server_seed).where(
        SeedPair.id.in_(pair_ids), SeedPair.active_user_id.is_(None)))
    return {pid: seed for pid, seed in rows}
