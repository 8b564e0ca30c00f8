"""Exact RTP of every game from its rules (exact fractions), plus a seeded Monte-Carlo cross-check.

Everything here calls the same pure rule functions that play and verify use.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from casino_club.fairness.engine import outcome_floats

from .rtp_stakes import manual_survival, render_stakes
from .rules import crash, gacha, rps, slot
from .rules.items import GACHA_POOL, RARITIES

GAMES: tuple[str, ...] = ("slot", "rps", "gacha", "crash")
LATTICE = 2**32  # outcome floats are k / 2**32 for integer k in [0, 2**32)
Z_99 = 2.5758293035489004  # two-sided 99 % standard normal quantile
MC_STAKE = 100
MC_CRASH_TARGET_X100 = 200  # the Monte-Carlo crash strategy: auto cash-out at 2.00x


# ---------------------------------------------------------------- slot
def exact_rtp_slot() -> Fraction:
    """Exact slot RTP over all 100**3 reel stops (grouped by symbol); the same at every stake (rtp_stakes)."""
    stops_per_symbol = Counter(slot.STRIP)  # each symbol id -> number of stops showing it on a reel
    total = Fraction(0)
    for a, wa in stops_per_symbol.items():
        for b, wb in stops_per_symbol.items():
            for c, wc in stops_per_symbol.items():
                mult_x100 = slot.evaluate((a, b, c))[2]
                total += wa * wb * wc * Fraction(mult_x100, 100)
    return Fraction(total, slot.STOPS_PER_REEL**slot.REELS)


# ---------------------------------------------------------------- rps
def exact_rtp_rps(choice: str = "rock") -> Fraction:
    """Exact RPS RTP with a uniform house move: (2 * 1/3 + 1 * 1/3 + 0 * 1/3) = 1 for every choice."""
    per_house = [Fraction(rps.RESULT_X100[rps.judge(choice, house)], 100) for house in rps.CHOICES]
    return sum(per_house, Fraction(0)) / len(rps.CHOICES)


def lattice_rtp_rps(choice: str) -> Fraction:
    """Exact RPS RTP over the 2**32 float lattice (2**32 is not divisible by 3: off by at most 2**-32)."""
    total = Fraction(0)
    for i, house in enumerate(rps.CHOICES):
        # k maps to index i iff i * 2**32 <= 3k < (i + 1) * 2**32.
        count = -(-(i + 1) * LATTICE // 3) - -(-i * LATTICE // 3)
        total += Fraction(count * rps.RESULT_X100[rps.judge(choice, house)], 100 * LATTICE)
    return total


# ---------------------------------------------------------------- crash
def crash_survival(target_x100: int) -> Fraction:
    """P(crash_point_x100 >= a) for u uniform on [0, 1): exactly 99/a for 101 <= a <= 100000."""
    crash.validate_auto_cashout_x100(target_x100)
    # floor(99/(1-u)) >= a  <=>  99/(1-u) >= a  <=>  u >= 1 - 99/a  (a is an integer), and the
    # clamps do not matter: min(.., 100000) keeps every value >= a <= 100000, max(100, ..) lifts only
    # values below 100 < a. Hence P = 99/a.
    return Fraction(crash.EDGE_NUMERATOR, target_x100)


def exact_rtp_crash(target_x100: int = MC_CRASH_TARGET_X100) -> Fraction:
    """Exact RTP of auto cash-out at target a (hundredths): P(win) * a/100 = (99/a) * (a/100) = 99/100."""
    return crash_survival(target_x100) * Fraction(target_x100, 100)


def lattice_crash_threshold(target_x100: int) -> int:
    """Smallest k with crash_point_x100(k / 2**32) >= target: 2**32 - floor(99 * 2**32 / target)."""
    crash.validate_auto_cashout_x100(target_x100)
    return LATTICE - crash.EDGE_NUMERATOR * LATTICE // target_x100


def lattice_rtp_crash(target_x100: int) -> Fraction:
    """Exact auto cash-out RTP over the 2**32 float lattice: in (0.99 - target/(100 * 2**32), 0.99]."""
    winners = LATTICE - lattice_crash_threshold(target_x100)
    return Fraction(winners, LATTICE) * Fraction(target_x100, 100)


def exact_rtp_crash_manual(multiplier_x100: int) -> Fraction:
    """Exact RTP of always cashing out manually at m = a/100: P(exact point > m) * m = (0.99 / m) * m."""
    return manual_survival(multiplier_x100 / 100) * Fraction(multiplier_x100, 100)


# ---------------------------------------------------------------- gacha
def _rarity_probability(rarity: str) -> Fraction:
    return gacha.RARITY_ODDS[rarity]


def _mean_value(rarity: str) -> Fraction:
    pool = GACHA_POOL[rarity]  # the item float is uniform over the pool
    return Fraction(sum(item.value for item in pool), len(pool))


def pity_transitions(counter: int) -> dict[tuple[str, int], Fraction]:
    """One single pull from `counter`: {(final rarity, next counter): probability}, per resolve_rarity."""
    out: dict[tuple[str, int], Fraction] = {}
    for rolled in RARITIES:
        rarity, _ = gacha.resolve_rarity(rolled, counter, 0, 1, True)
        key = (rarity, gacha.next_counter(counter, rarity))
        out[key] = out.get(key, Fraction(0)) + _rarity_probability(rolled)
    return out


def pity_stationary_distribution() -> list[Fraction]:
    """Stationary law of the pity counter (states 0..89) under repeated pulls, as exact fractions."""
    # From c the chain moves to 0 (legendary) or c + 1, so pi[c+1] = pi[c] * P(c -> c+1) and
    # normalising gives the unique stationary law (the chain is irreducible and aperiodic: 0 -> 0).
    states = gacha.PITY_LEGENDARY_AT
    weights = [Fraction(1)]
    for c in range(states - 1):
        step = sum((p for (_, nxt), p in pity_transitions(c).items() if nxt == c + 1), Fraction(0))
        weights.append(weights[-1] * step)
    norm = sum(weights, Fraction(0))
    return [w / norm for w in weights]


def gacha_effective_rates() -> dict[str, Fraction]:
    """Long-run per-pull rarity rates including hard pity (single pulls); legendary = 1 / E[pulls to one]."""
    pi = pity_stationary_distribution()
    rates = dict.fromkeys(RARITIES, Fraction(0))
    for c, weight in enumerate(pi):
        for (rarity, _), p in pity_transitions(c).items():
            rates[rarity] += weight * p
    return rates


def exact_rtp_gacha_single() -> Fraction:
    """Long-run nominal item value per gold spent on single pulls, pity included."""
    rates = gacha_effective_rates()
    return sum((rates[r] * _mean_value(r) for r in RARITIES), Fraction(0)) / gacha.SINGLE_COST


def ten_pull_chain(start: list[Fraction]) -> tuple[Fraction, list[Fraction], dict[str, Fraction]]:
    """One 10-pull from a counter law: (expected nominal value, counter law after, expected rarity counts)."""
    # State within the 10-pull: (counter, every pull so far was common) -> probability.
    states: dict[tuple[int, bool], Fraction] = {(c, True): p for c, p in enumerate(start) if p}
    value = Fraction(0)
    counts = dict.fromkeys(RARITIES, Fraction(0))
    for position in range(10):
        nxt: dict[tuple[int, bool], Fraction] = {}
        for (counter, all_common), p_state in states.items():
            for rolled in RARITIES:
                p = p_state * _rarity_probability(rolled)
                rarity, _ = gacha.resolve_rarity(rolled, counter, position, 10, all_common)
                value += p * _mean_value(rarity)
                counts[rarity] += p
                key = (gacha.next_counter(counter, rarity), all_common and rarity == "common")
                nxt[key] = nxt.get(key, Fraction(0)) + p
        states = nxt
    after = [Fraction(0)] * len(start)
    for (counter, _), p in states.items():
        after[counter] += p
    return value, after, counts


def exact_rtp_gacha_ten() -> Fraction:
    """Long-run nominal item value per gold spent on 10-pulls (pity + 10-pull floor included)."""
    # The single-pull stationary law pi is also stationary for 10 steps of the same counter chain
    # (the 10-pull floor never changes the counter), so 10-pulls start from pi in the long run.
    value, _, _ = ten_pull_chain(pity_stationary_distribution())
    return value / gacha.TEN_COST


@cache  # exact Markov chains: computed once, the rules are constants
def gacha_expected_item_value() -> dict[str, Fraction]:
    """Expected listed item value (gold) of a 1- and a 10-pull, from pity 0 and in the long run (pity law)."""
    zero = [Fraction(1)] + [Fraction(0)] * (gacha.PITY_LEGENDARY_AT - 1)
    pi = pity_stationary_distribution()
    single_zero = sum((p * _mean_value(r) for (r, _), p in pity_transitions(0).items()), Fraction(0))
    return {"single_from_pity_0": single_zero, "ten_from_pity_0": ten_pull_chain(zero)[0],
            "single_long_run": exact_rtp_gacha_single() * gacha.SINGLE_COST, "ten_long_run": ten_pull_chain(pi)[0]}


def exact_rtp(game: str) -> Fraction:
    """Exact RTP of a game under its reference play (gacha: single pulls; crash: any auto cash-out)."""
    table: dict[str, Callable[[], Fraction]] = {
        "slot": exact_rtp_slot,
        "rps": exact_rtp_rps,
        "gacha": exact_rtp_gacha_single,
        "crash": exact_rtp_crash,
    }
    if game not in table:
        raise ValueError(f"unknown game {game!r}")
    return table[game]()


# ---------------------------------------------------------------- Monte Carlo
@dataclass(frozen=True)
class MonteCarloResult:
    """Mean return per unit staked over `rounds` seeded rounds, with a 99 % normal-approximation CI."""

    game: str
    rounds: int
    mean: float
    std: float
    ci_low: float
    ci_high: float


def mc_server_seed(seed: str) -> str:
    """Server seed the Monte-Carlo run derives from a human seed string (reproducible)."""
    return hashlib.sha256(f"casino-club-rtp:{seed}".encode()).hexdigest()


def _round_returns(game: str, rounds: int, seed: str) -> list[float]:
    server_seed, client_seed = mc_server_seed(seed), f"rtp-{game}"
    returns: list[float] = []
    pity = 0
    for nonce in range(rounds):
        if game == "slot":
            floats = outcome_floats(server_seed, client_seed, nonce, slot.floats_needed())
            returns.append(slot.payout(MC_STAKE, slot.spin(floats), floats[-1]) / MC_STAKE)
        elif game == "rps":
            choice = rps.CHOICES[nonce % len(rps.CHOICES)]
            floats = outcome_floats(server_seed, client_seed, nonce, rps.floats_needed())
            returns.append(rps.payout(MC_STAKE, rps.play(floats, choice), floats[-1]) / MC_STAKE)
        elif game == "gacha":
            floats = outcome_floats(server_seed, client_seed, nonce, gacha.floats_needed(1))
            out_g = gacha.pull(floats, 1, pity)
            pity = out_g.new_pulls_since_legendary  # pity carries over, as for a real player
            returns.append(gacha.nominal_value(out_g) / gacha.SINGLE_COST)
        elif game == "crash":
            floats = outcome_floats(server_seed, client_seed, nonce, crash.floats_needed())
            out_c = crash.play(floats, MC_CRASH_TARGET_X100)
            returns.append(crash.payout(MC_STAKE, out_c, floats[-1]) / MC_STAKE)
        else:
            raise ValueError(f"unknown game {game!r}")
    return returns


def monte_carlo(game: str, rounds: int, seed: str) -> MonteCarloResult:
    """Play `rounds` rounds with nonces 0..rounds-1 of a seed-derived server seed; mean RTP and 99 % CI."""
    if rounds < 2:
        raise ValueError("rounds must be >= 2")
    returns = _round_returns(game, rounds, seed)
    mean = math.fsum(returns) / rounds
    std = math.sqrt(math.fsum((r - mean) ** 2 for r in returns) / (rounds - 1))
    half = Z_99 * std / math.sqrt(rounds)
    return MonteCarloResult(game, rounds, mean, std, mean - half, mean + half)


_NOTES = {
    "slot": "all 100^3 stops enumerated; any stake (fair rounding)",
    "rps": "uniform house move; any choice",
    "gacha": "listed item value / gold (gold return 0 %), single pulls, pity",
    "crash": "auto cash-out at any target 1.01x-1000x (MC: 2.00x)",
}


def render_report(rounds: int, seed: str) -> str:
    """Human-readable table: game, exact RTP, Monte-Carlo estimate, its 99 % CI and rounds."""
    header = f"{'game':<6} {'exact RTP':>10} {'MC estimate':>12} {'99% CI':>21} {'rounds':>9}  notes"
    lines = [header, "-" * len(header)]
    for game in GAMES:
        exact = float(exact_rtp(game))
        mc = monte_carlo(game, rounds, seed)
        inside = "ok" if mc.ci_low <= exact <= mc.ci_high else "OUTSIDE CI"
        ci = f"[{mc.ci_low:.2%}, {mc.ci_high:.2%}]"
        lines.append(
            f"{game:<6} {exact:>10.4%} {mc.mean:>12.2%} {ci:>21} {rounds:>9}  {_NOTES[game]} ({inside})"
        )
    rates = gacha_effective_rates()
    lines.append("")
    lines.append(
        "gacha effective rates with pity: "
        + ", ".join(f"{r} {float(rates[r]):.4%}" for r in RARITIES)
        + f"; 10-pull RTP {float(exact_rtp_gacha_ten()):.4%}"
    )
    lines.append(f"seed {seed!r}: server seed sha256('casino-club-rtp:' + seed), nonces 0..{rounds - 1}")
    lines += ["", render_stakes()]
    return "\n".join(lines)
