"""Slot: 3 reels of 100 weighted stops, adjacent-pair and three-of-a-kind paytable, 777 jackpot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from casino_club.fairness.engine import uniform_index

from . import check_floats, check_stake, round_gold

REELS = 3
STOPS_PER_REEL = 100


@dataclass(frozen=True)
class Symbol:
    """One reel symbol: ascii id, emoji and its weight (stops out of 100 on every reel)."""

    id: str
    emoji: str
    weight: int


SYMBOLS: tuple[Symbol, ...] = (
    Symbol("cherry", "🍒", 30),
    Symbol("lemon", "🍋", 25),
    Symbol("orange", "🍊", 20),
    Symbol("grape", "🍇", 15),
    Symbol("diamond", "💎", 8),
    Symbol("seven", "7️⃣", 2),
)
SYMBOL_BY_ID = MappingProxyType({s.id: s for s in SYMBOLS})
WEIGHTS: tuple[int, ...] = tuple(s.weight for s in SYMBOLS)
JACKPOT_SYMBOL = "seven"

# Multipliers in hundredths of the stake (payout = stake * x100 / 100, stake included, whole gold by
# round_gold with the spin's fourth float). Tuned so the exact RTP over all 100**3 stops is
# 960_001 / 1_000_000 = 96.0001 % at every stake (see casino_club.games.rtp.exact_rtp_slot).
TRIPLE_X100 = MappingProxyType(
    {"cherry": 500, "lemon": 800, "orange": 1200, "grape": 2000, "diamond": 5000, "seven": 77700}
)
PAIR_X100 = MappingProxyType(
    {"cherry": 100, "lemon": 120, "orange": 150, "grape": 250, "diamond": 500, "seven": 2000}
)
PAYTABLE = MappingProxyType({"triple": TRIPLE_X100, "pair": PAIR_X100})

# Reel strip: stop i shows STRIP[i]; the first 30 stops are cherries, the next 25 lemons, and so on.
STRIP: tuple[str, ...] = tuple(s.id for s in SYMBOLS for _ in range(s.weight))
assert len(STRIP) == STOPS_PER_REEL


@dataclass(frozen=True)
class SlotOutcome:
    """A spin: reel stops (0..99), symbol ids, winning line kind and its multiplier in hundredths."""

    stops: tuple[int, int, int]
    symbols: tuple[str, str, str]
    line: str  # "triple", "pair" or "none"
    line_symbol: str | None
    multiplier_x100: int
    jackpot: bool

    @property
    def emojis(self) -> tuple[str, ...]:
        """Emoji for each reel, for display."""
        return tuple(SYMBOL_BY_ID[s].emoji for s in self.symbols)


def floats_needed() -> int:
    """Number of fair floats one spin consumes: one per reel, then one for the payout rounding."""
    return REELS + 1


def stop_for_float(u: float) -> int:
    """Reel stop (0..99) selected by one float; stop i shows STRIP[i]."""
    # A uniform stop on the weighted strip is exactly a weighted pick of the symbol.
    return uniform_index(u, STOPS_PER_REEL)


def evaluate(symbols: Sequence[str]) -> tuple[str, str | None, int]:
    """Return (line, line_symbol, multiplier_x100) for three symbol ids."""
    a, b, c = symbols
    if a == b == c:
        return "triple", a, TRIPLE_X100[a]
    if a == b or b == c:  # adjacent pair; reels 1 and 3 alone do not count
        return "pair", b, PAIR_X100[b]
    return "none", None, 0


def spin(floats: Sequence[float]) -> SlotOutcome:
    """Map the spin's floats to an outcome (the reels use the first three; the last one rounds the payout)."""
    check_floats(floats, floats_needed())
    stops = (stop_for_float(floats[0]), stop_for_float(floats[1]), stop_for_float(floats[2]))
    symbols = (STRIP[stops[0]], STRIP[stops[1]], STRIP[stops[2]])
    line, line_symbol, mult = evaluate(symbols)
    return SlotOutcome(
        stops=stops,
        symbols=symbols,
        line=line,
        line_symbol=line_symbol,
        multiplier_x100=mult,
        jackpot=line == "triple" and line_symbol == JACKPOT_SYMBOL,
    )


def payout(stake: int, outcome: SlotOutcome, u: float) -> int:
    """Gold paid back for `stake` (stake included; 0 on a losing spin); `u` is the spin's last float."""
    check_stake(stake)
    return round_gold(Fraction(stake * outcome.multiplier_x100, 100), u)


def outcome_dict(outcome: SlotOutcome) -> dict[str, Any]:
    """JSON-ready view of a spin for responses, history and verification."""
    return {
        "stops": list(outcome.stops),
        "symbols": list(outcome.symbols),
        "emojis": list(outcome.emojis),
        "line": outcome.line,
        "line_symbol": outcome.line_symbol,
        "multiplier_x100": outcome.multiplier_x100,
        "jackpot": outcome.jackpot,
    }


def paytable() -> dict[str, Any]:
    """Published symbols, weights and paytable (the same numbers `spin` and `payout` use)."""

    def line(kind: str, table: MappingProxyType[str, int]) -> list[dict[str, Any]]:
        return [
            {
                "symbol": s.id,
                "emoji": s.emoji,
                "kind": kind,
                "multiplier_x100": table[s.id],
                "multiplier": f"{table[s.id] / 100:g}",
            }
            for s in SYMBOLS
        ]

    return {
        "reels": REELS,
        "stops_per_reel": STOPS_PER_REEL,
        "symbols": [{"id": s.id, "emoji": s.emoji, "weight": s.weight} for s in SYMBOLS],
        "triple": line("triple", TRIPLE_X100),
        "pair": line("pair", PAIR_X100),
        "jackpot": JACKPOT_SYMBOL,
        "rules_en": "Three of a kind pays the triple line; reels 1-2 or 2-3 equal (not three) pay the pair "
        "line. Payout = stake x multiplier, stake included; a fractional part f pays 1 more gold "
        "with probability f (provably fair rounding by the round's last float).",
        "rules_ko": "같은 심볼 3개는 트리플 배당, 1-2번 또는 2-3번 릴이 같으면(3개 제외) "
        "페어 배당을 받습니다. 지급액 = 베팅액 x 배당(원금 포함). 소수점 이하 f는 확률 f로 "
        "1골드가 더 지급됩니다(라운드의 마지막 난수로 정하는 공정 반올림).",
    }
