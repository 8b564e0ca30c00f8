"""Slot spins: stake debit, three fair floats -> reel stops, paytable payout, one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.fairness.service import next_outcome
from casino_club.games.rules import slot
from casino_club.games.schemas import PlayOut, SlotSpinIn
from casino_club.games.service_common import check_bet, finish_instant, insert_round, take_stake


async def spin(session: AsyncSession, user_id: int, body: SlotSpinIn) -> PlayOut:
    """Play one slot spin."""
    stake = check_bet(session, body.bet)
    draw = await next_outcome(session, user_id, slot.floats_needed())
    outcome = slot.spin(draw.floats)
    payout = slot.payout(stake, outcome)
    result = "win" if payout > stake else ("draw" if payout == stake else "lose")
    r = await insert_round(session, user_id, "slot", stake, draw, {"bet": stake}, slot.outcome_dict(outcome),
                           payout=payout, result=result)
    moved = await take_stake(session, user_id, r, "slot_bet")
    return await finish_instant(session, user_id, r, moved, multiplier_x100=outcome.multiplier_x100, progress={
        "games_played": 1, "slot_spins": 1, "wins": int(result == "win"), "gold_wagered": stake})
