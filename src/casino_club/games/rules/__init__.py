"""Pure game rules: map fair-RNG floats (+ player inputs) to outcomes and integer gold payouts.

Shared by play, verify and RTP computation, so each rule exists exactly once.
"""

import math
from collections.abc import Sequence
from fractions import Fraction


class InvalidGameInput(ValueError):
    """Raised when player input cannot be played (bad choice, count, target, stake)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_floats(floats: Sequence[float], needed: int) -> None:
    """Raise ValueError unless `floats` holds exactly `needed` numbers in [0, 1)."""
    if len(floats) != needed:
        raise ValueError(f"expected {needed} floats, got {len(floats)}")
    if any(not 0.0 <= u < 1.0 for u in floats):
        raise ValueError("floats must be in [0, 1)")


def check_stake(stake: int) -> None:
    """Raise InvalidGameInput unless the stake is a positive integer (limits are a service concern)."""
    if isinstance(stake, bool) or not isinstance(stake, int) or stake <= 0:
        raise InvalidGameInput("INVALID_BET", "stake must be a positive integer amount of gold")


def round_gold(value: Fraction, u: float) -> int:
    """Provably fair rounding: floor(value), plus 1 gold iff u < the fraction (so E[payout] = value exactly)."""
    if value < 0 or not 0.0 <= u < 1.0:
        raise ValueError("value must be >= 0 and u in [0, 1)")
    whole = math.floor(value)
    # Fraction(u) is the double's exact value, so the comparison never rounds.
    return whole + int(Fraction(u) < value - whole)
