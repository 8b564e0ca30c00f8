"""Rock-paper-scissors: the house move comes from the fair RNG; win 2x, draw refunds, loss loses."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.fairness.service import next_outcome
from casino_club.games.errors import input_error
from casino_club.games.rules import InvalidGameInput, rps
from casino_club.games.schemas import PlayOut, RpsPlayIn
from casino_club.games.service_common import check_bet, finish_instant, insert_round, take_stake


async def play(session: AsyncSession, user_id: int, body: RpsPlayIn) -> PlayOut:
    """Play one RPS round."""
    try:
        choice = rps.validate_choice(body.choice)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc
    stake = check_bet(session, body.bet)
    draw = await next_outcome(session, user_id, rps.floats_needed())
    outcome = rps.play(draw.floats, choice)
    payout = rps.payout(stake, outcome)
    r = await insert_round(session, user_id, "rps", stake, draw, {"bet": stake, "choice": choice},
                           rps.outcome_dict(outcome), payout=payout, result=outcome.result)
    moved = await take_stake(session, user_id, r, "rps_bet")
    return await finish_instant(session, user_id, r, moved, multiplier_x100=outcome.multiplier_x100, progress={
        "games_played": 1, "rps_plays": 1, "wins": int(outcome.result == "win"), "gold_wagered": stake})
