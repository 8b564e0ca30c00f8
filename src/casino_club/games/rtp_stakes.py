"""RTP per stake class and target under provably fair rounding: exact (u uniform) and on the 2**32 lattice.

Every payout is a rational `value` made whole by `rules.round_gold(value, u)`: floor(value) plus one gold
iff u < frac(value). With u uniform on [0, 1) that extra gold has expectation frac(value), so the expected
payout is `value` itself and the RTP is the same at every stake. The floats are k / 2**32, so on the
lattice the expectation is floor(value) + ceil(frac * 2**32) / 2**32: at most 2**-32 gold above `value`.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

from .rules import crash, round_gold, slot

LATTICE = 2**32
REPORT_STAKES = (10, 13, 25, 99, 101, 1234)  # one stake per class that showed a different floored RTP
REPORT_TARGETS_X100 = (101, 105, 109, 150, 200, 1000, 100_000)
REPORT_MANUAL = (1.0, 1.01, 1.5, 2.0, 10.0, 999.99)


def expected_gold(value: Fraction) -> Fraction:
    """E[round_gold(value, u)] for u uniform on [0, 1): floor(value) + P(u < frac) = value."""
    whole = math.floor(value)
    return whole + (value - whole)


def round_up_words(value: Fraction) -> int:
    """How many of the 2**32 stream words make round_gold pay floor(value) + 1, found on the rule itself."""
    whole = math.floor(value)
    lo, hi = 0, LATTICE
    # round_gold pays the extra gold iff u < frac, i.e. for a prefix of the words: bisect for its end.
    while lo < hi:
        mid = (lo + hi) // 2
        if round_gold(value, mid / LATTICE) > whole:
            lo = mid + 1
        else:
            hi = mid
    return lo


def lattice_expected_gold(value: Fraction) -> Fraction:
    """E[round_gold(value, k / 2**32)] over the 2**32 words k (what a real round's float can be)."""
    return math.floor(value) + Fraction(round_up_words(value), LATTICE)


def slot_multiplier_law() -> dict[int, Fraction]:
    """Probability of each slot multiplier (hundredths) over all 100**3 reel stops."""
    stops = Counter(slot.STRIP)
    law: dict[int, Fraction] = {}
    for a, wa in stops.items():
        for b, wb in stops.items():
            for c, wc in stops.items():
                mult = slot.evaluate((a, b, c))[2]
                law[mult] = law.get(mult, Fraction(0)) + Fraction(wa * wb * wc, slot.STOPS_PER_REEL**slot.REELS)
    return law


def slot_rtp(stake: int, *, floored: bool = False) -> Fraction:
    """Exact slot RTP at `stake` with fair rounding (or, for comparison, with the old floor)."""
    pay = _floor if floored else expected_gold
    return sum((p * pay(Fraction(stake * m, 100)) for m, p in slot_multiplier_law().items()), Fraction(0)) / stake


def crash_auto_rtp(stake: int, target_x100: int, *, floored: bool = False) -> Fraction:
    """Exact RTP of an auto cash-out at `target_x100`: P(point >= target) = 99/target times E[payout] / stake."""
    crash.validate_auto_cashout_x100(target_x100)
    pay = _floor if floored else expected_gold
    return Fraction(crash.EDGE_NUMERATOR, target_x100) * pay(crash.auto_value(stake, target_x100)) / stake


def manual_survival(multiplier: float) -> Fraction:
    """P(exact crash point > m) for u uniform: 0.99 / m for 1 <= m < 1000, 0 from the 1000x cap on."""
    # exact_point > m  <=>  99 / (1 - u) > 100 m (the cap is 1000 > m, the 1.00x floor is <= m)
    #                  <=>  u > 1 - 99 / (100 m), which has probability 99 / (100 m) <= 1 for m >= 1.
    m = Fraction(multiplier)
    if m < 1:
        raise ValueError("multiplier must be >= 1")
    return Fraction(0) if m >= crash.MAX_CRASH_X100 // 100 else Fraction(crash.EDGE_NUMERATOR, 100) / m


def lattice_manual_survival(multiplier: float) -> Fraction:
    """P(exact_point(k / 2**32) > m) over the 2**32 words, found by bisection on the rule."""
    lo, hi = 0, LATTICE  # exact_point grows with u: find the first word whose point beats m
    while lo < hi:
        mid = (lo + hi) // 2
        if crash.cashout_wins(multiplier, crash.exact_point(mid / LATTICE)):
            hi = mid
        else:
            lo = mid + 1
    return Fraction(LATTICE - lo, LATTICE)


def crash_manual_rtp(stake: int, multiplier: float, *, floored: bool = False) -> Fraction:
    """Exact RTP of always cashing out by hand at `multiplier` (a win needs m < the exact crash point)."""
    pay = _floor if floored else expected_gold
    return manual_survival(multiplier) * pay(crash.cashout_value(stake, multiplier)) / stake


def _floor(value: Fraction) -> Fraction:
    return Fraction(math.floor(value))


def render_stakes() -> str:
    """Table of exact RTP per stake class and target (fair rounding), with the old floored RTP beside it."""
    head = f"{'game':<13} {'target':>8} " + " ".join(f"{'stake ' + str(s):>17}" for s in REPORT_STAKES)
    lines = ["RTP per stake and target with fair rounding (in brackets: the same payouts floored)", head, "-" * len(head)]

    def row(game: str, target: str, rtps: list[tuple[Fraction, Fraction]]) -> str:
        cells = " ".join(f"{float(r):>7.4%} ({float(f):>7.2%})" for r, f in rtps)
        return f"{game:<13} {target:>8} {cells}"

    lines.append(row("slot", "-", [(slot_rtp(s), slot_rtp(s, floored=True)) for s in REPORT_STAKES]))
    for a in REPORT_TARGETS_X100:
        lines.append(row("crash auto", f"{a / 100:.2f}x", [
            (crash_auto_rtp(s, a), crash_auto_rtp(s, a, floored=True)) for s in REPORT_STAKES]))
    for m in REPORT_MANUAL:
        lines.append(row("crash manual", f"{m:.2f}x", [
            (crash_manual_rtp(s, m), crash_manual_rtp(s, m, floored=True)) for s in REPORT_STAKES]))
    lines.append("rps pays 2x / 1x / 0x: every payout is whole, 100.0000% at every stake")
    lines.append("lattice (u = k / 2**32): each payout is at most 2**-32 gold above its exact value")
    return "\n".join(lines)
