"""Rock-paper-scissors against a uniform house move: win pays 2x, draw refunds, loss pays 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from casino_club.fairness.engine import uniform_index

from . import InvalidGameInput, check_floats, check_stake, round_gold

CHOICES: tuple[str, ...] = ("rock", "paper", "scissors")
# BEATS[x] is the move that x defeats.
BEATS = {"rock": "scissors", "paper": "rock", "scissors": "paper"}
RESULT_X100 = {"win": 200, "draw": 100, "lose": 0}  # payout in hundredths of the stake, stake included


@dataclass(frozen=True)
class RpsOutcome:
    """A round: both moves, the player's result and the payout multiplier in hundredths."""

    player: str
    house: str
    result: str  # "win", "draw" or "lose"
    multiplier_x100: int


def floats_needed() -> int:
    """Number of fair floats one round consumes: the house move, then the payout rounding (as every game)."""
    return 2


def validate_choice(choice: str | None) -> str:
    """Return the normalised choice or raise InvalidGameInput."""
    normalised = (choice or "").strip().lower()
    if normalised not in CHOICES:
        raise InvalidGameInput("INVALID_CHOICE", "choice must be one of rock, paper, scissors")
    return normalised


def house_move(u: float) -> str:
    """House move for one float: CHOICES[floor(u * 3)]."""
    return CHOICES[uniform_index(u, len(CHOICES))]


def judge(player: str, house: str) -> str:
    """Result for the player: "win", "draw" or "lose"."""
    if player == house:
        return "draw"
    return "win" if BEATS[player] == house else "lose"


def play(floats: Sequence[float], choice: str) -> RpsOutcome:
    """Map one float and the player's choice to a round outcome."""
    player = validate_choice(choice)
    check_floats(floats, floats_needed())
    house = house_move(floats[0])
    result = judge(player, house)
    return RpsOutcome(player=player, house=house, result=result, multiplier_x100=RESULT_X100[result])


def payout(stake: int, outcome: RpsOutcome, u: float) -> int:
    """Gold paid back for `stake` (2x on a win, the stake on a draw, 0 on a loss); `u` is the last float."""
    check_stake(stake)
    # Every RPS payout is whole, so `u` never changes it; it is taken for one rule across all games.
    return round_gold(Fraction(stake * outcome.multiplier_x100, 100), u)


def outcome_dict(outcome: RpsOutcome) -> dict[str, Any]:
    """JSON-ready view of a round."""
    return {
        "player": outcome.player,
        "house": outcome.house,
        "result": outcome.result,
        "multiplier_x100": outcome.multiplier_x100,
    }
