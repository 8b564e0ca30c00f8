"""Instant games (slot, RPS): the pure step from stake, choice and fair floats to a settled play.

The settlement plans (games/plans.py), verification and the RTP tools call these, so the rules, params,
outcome and progress metrics of a round are written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casino_club.games.errors import input_error
from casino_club.games.rules import InvalidGameInput, rps, slot

INSTANT_GAMES = ("slot", "rps")


@dataclass(frozen=True)
class InstantPlay:
    """A resolved instant round: what the round row, ledger, stats and progress need."""

    game: str
    stake: int
    params: dict[str, Any]
    outcome: dict[str, Any]
    payout: int
    result: str  # win | lose | draw
    multiplier_x100: int
    progress: dict[str, int]

    @property
    def bet_reason(self) -> str:
        """Ledger reason of the stake debit."""
        return f"{self.game}_bet"


def floats_needed(game: str) -> int:
    """Fair floats one round of `game` consumes."""
    return slot.floats_needed() if game == "slot" else rps.floats_needed()


def checked_choice(game: str, choice: str | None) -> str | None:
    """The normalised RPS choice (422 INVALID_CHOICE otherwise); None for the slot."""
    if game != "rps":
        return None
    try:
        return rps.validate_choice(choice)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc


def progress_metrics(game: str) -> tuple[str, ...]:
    """Every progress metric a round of `game` can report (the keys of InstantPlay.progress)."""
    return ("games_played", "slot_spins" if game == "slot" else "rps_plays", "wins", "gold_wagered")


def resolve(game: str, stake: int, choice: str | None, floats: Sequence[float]) -> InstantPlay:
    """Apply the game's rules to the fair floats."""
    if game == "slot":
        spun = slot.spin(floats)
        payout = slot.payout(stake, spun, floats[-1])
        result = "win" if payout > stake else ("draw" if payout == stake else "lose")
        return InstantPlay("slot", stake, {"bet": stake}, slot.outcome_dict(spun), payout, result,
                           spun.multiplier_x100, {"games_played": 1, "slot_spins": 1,
                                                  "wins": int(result == "win"), "gold_wagered": stake})
    assert choice is not None
    played = rps.play(floats, choice)
    return InstantPlay("rps", stake, {"bet": stake, "choice": choice}, rps.outcome_dict(played),
                       rps.payout(stake, played, floats[-1]), played.result, played.multiplier_x100,
                       {"games_played": 1, "rps_plays": 1, "wins": int(played.result == "win"),
                        "gold_wagered": stake})
