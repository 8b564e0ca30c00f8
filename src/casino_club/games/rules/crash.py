"""Crash: exact point 99 / (1 - u) / 100 (1 % edge, min 1.00x, cap 1000x), shown floored; m(t) = e^(0.06 t)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from . import InvalidGameInput, check_floats, check_stake, round_gold

GROWTH_RATE = 0.06  # per second
MIN_CRASH_X100 = 100
MAX_CRASH_X100 = 100_000  # 1000x cap
MIN_AUTO_CASHOUT_X100 = 101
MAX_AUTO_CASHOUT_X100 = 100_000
EDGE_NUMERATOR = 99  # crash_x100 = floor(99 / (1 - u)): P(crash >= a/100) = 99/a, i.e. a 1 % edge


@dataclass(frozen=True)
class CrashOutcome:
    """A round: crash point, optional auto cash-out target (hundredths) and whether it was reached."""

    crash_point_x100: int
    auto_cashout_x100: int | None
    auto_cashout_won: bool

    @property
    def crash_point(self) -> float:
        """Crash multiplier for display (e.g. 2.37)."""
        return self.crash_point_x100 / 100

    @property
    def duration_seconds(self) -> float:
        """Seconds after the round start at which the curve reaches the crash point."""
        return seconds_until(self.crash_point_x100 / 100)


def floats_needed() -> int:
    """Number of fair floats one round consumes: the crash point, then the payout rounding."""
    return 2


def exact_point(u: float) -> Fraction:
    """Exact crash multiplier max(1, min(1000, 0.99 / (1 - u))): P(point > m) = 0.99 / m for 1 <= m < 1000."""
    if not 0.0 <= u < 1.0:
        raise ValueError("u must be in [0, 1)")
    # Fraction(u) is the exact binary value of the double, so nothing here rounds.
    raw = Fraction(EDGE_NUMERATOR) / (1 - Fraction(u))
    return max(Fraction(MIN_CRASH_X100), min(Fraction(MAX_CRASH_X100), raw)) / 100


def crash_point_x100(u: float) -> int:
    """Published crash point in hundredths: floor(100 * exact_point(u)) = max(100, min(100000, floor(99/(1-u))))."""
    return math.floor(exact_point(u) * 100)


def multiplier_at(elapsed_seconds: float) -> float:
    """Curve value e^(0.06 t) after `elapsed_seconds` (1.0 before the start)."""
    return math.exp(GROWTH_RATE * max(0.0, elapsed_seconds))


def seconds_until(multiplier: float) -> float:
    """Seconds after the start at which the curve reaches `multiplier` (inverse of multiplier_at)."""
    if multiplier <= 1.0:
        return 0.0
    return math.log(multiplier) / GROWTH_RATE


def parse_auto_cashout(value: float | str | int | None) -> int | None:
    """Convert an auto cash-out multiplier such as 2.5 to hundredths (250); None stays None."""
    if value is None:
        return None
    try:
        x100 = Decimal(str(value)) * 100
    except InvalidOperation as exc:
        raise InvalidGameInput("INVALID_AUTO_CASHOUT", "auto_cashout must be a number") from exc
    if x100 != x100.to_integral_value():
        raise InvalidGameInput("INVALID_AUTO_CASHOUT", "auto_cashout has at most two decimals")
    return validate_auto_cashout_x100(int(x100))


def validate_auto_cashout_x100(target_x100: int | None) -> int | None:
    """Return the target if within [101, 100000] hundredths (1.01x..1000x), else raise InvalidGameInput."""
    if target_x100 is None:
        return None
    if isinstance(target_x100, bool) or not isinstance(target_x100, int):
        raise InvalidGameInput("INVALID_AUTO_CASHOUT", "auto_cashout must be a multiplier")
    if not MIN_AUTO_CASHOUT_X100 <= target_x100 <= MAX_AUTO_CASHOUT_X100:
        raise InvalidGameInput("INVALID_AUTO_CASHOUT", "auto_cashout must be between 1.01 and 1000")
    return target_x100


def play(floats: Sequence[float], auto_cashout_x100: int | None = None) -> CrashOutcome:
    """Map one float and the optional auto cash-out target to the round outcome."""
    target = validate_auto_cashout_x100(auto_cashout_x100)
    check_floats(floats, floats_needed())
    point = crash_point_x100(floats[0])
    return CrashOutcome(
        crash_point_x100=point,
        auto_cashout_x100=target,
        auto_cashout_won=target is not None and auto_cashout_wins(target, point),
    )


def auto_cashout_wins(target_x100: int, crash_x100: int) -> bool:
    """An auto cash-out at `target_x100` is paid iff the crash point reaches it (crash >= target)."""
    # floor(100 * exact) >= target <=> 100 * exact >= target (target is whole), so this is exact too.
    return crash_x100 >= target_x100


def auto_value(stake: int, target_x100: int) -> Fraction:
    """Exact gold value of a reached auto cash-out: stake * target / 100."""
    return Fraction(stake * target_x100, 100)


def payout(stake: int, outcome: CrashOutcome, u: float) -> int:
    """Gold paid by the auto cash-out: stake * target / 100 by round_gold with `u` (last float) if reached."""
    check_stake(stake)
    if not outcome.auto_cashout_won or outcome.auto_cashout_x100 is None:
        return 0
    return round_gold(auto_value(stake, outcome.auto_cashout_x100), u)


def cashout_wins(multiplier: float, point: Fraction) -> bool:
    """A manual cash-out at `multiplier` wins iff it happens strictly before the exact crash point."""
    return Fraction(multiplier) < point


def cashout_value(stake: int, multiplier: float) -> Fraction:
    """Exact gold value of cashing out at `multiplier` (the double's exact value), stake included."""
    check_stake(stake)
    if multiplier < 1.0:
        raise ValueError("multiplier must be >= 1.0")
    return stake * Fraction(multiplier)


def cashout_payout(stake: int, multiplier: float, u: float) -> int:
    """Gold paid for cashing out at `multiplier`: stake * m by round_gold with the round's last float."""
    return round_gold(cashout_value(stake, multiplier), u)


def settle_manual(stake: int, multiplier: float, point: Fraction, u: float) -> int:
    """Payout of a manual cash-out attempt at `multiplier`: cashout_payout if before the crash, else 0."""
    return cashout_payout(stake, multiplier, u) if cashout_wins(multiplier, point) else 0


def outcome_dict(outcome: CrashOutcome) -> dict[str, Any]:
    """JSON-ready view of a finished round (reveals the crash point: never send it before the crash)."""
    return {
        "crash_point_x100": outcome.crash_point_x100,
        "crash_point": outcome.crash_point,
        "auto_cashout_x100": outcome.auto_cashout_x100,
        "auto_cashout_won": outcome.auto_cashout_won,
        "duration_seconds": round(outcome.duration_seconds, 3),
    }
