"""Gacha: 1 or 10 pulls, published rarity odds, 90-pull legendary pity and a 10-pull rare-or-better floor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from casino_club.fairness.engine import uniform_index, weighted_index

from . import InvalidGameInput, check_floats
from .items import GACHA_POOL, RARITIES, RARITY_RANK, Item

SINGLE_COST = 500
TEN_COST = 4500
COSTS = MappingProxyType({1: SINGLE_COST, 10: TEN_COST})
FLOATS_PER_PULL = 2  # one picks the rarity, one picks the item inside the rarity

# Odds in parts per 10,000 so the rarity pick is an exact integer-weighted choice.
ODDS_SCALE = 10_000
RARITY_WEIGHTS = MappingProxyType({"common": 8200, "rare": 1350, "epic": 400, "legendary": 50})
RARITY_ODDS = MappingProxyType({r: Fraction(w, ODDS_SCALE) for r, w in RARITY_WEIGHTS.items()})

# Hard pity: the 90th consecutive pull without a legendary is a legendary. The counter counts
# completed pulls without a legendary, so a pull made with counter >= 89 is forced.
PITY_LEGENDARY_AT = 90
TEN_PULL_MIN_RARITY = "rare"


@dataclass(frozen=True)
class Pull:
    """One pull: the granted item, its rarity and why (rolled, hard pity or 10-pull floor)."""

    item: Item
    rarity: str
    rolled_rarity: str
    reason: str  # "roll", "pity" or "ten_pull_guarantee"


@dataclass(frozen=True)
class GachaOutcome:
    """A 1- or 10-pull: pulls in order and the pity counter to store for the next pull."""

    pulls: tuple[Pull, ...]
    new_pulls_since_legendary: int

    @property
    def items(self) -> tuple[Item, ...]:
        """Granted items in pull order."""
        return tuple(p.item for p in self.pulls)


def validate_count(count: int) -> int:
    """Return the count if it is 1 or 10, else raise InvalidGameInput."""
    if isinstance(count, bool) or count not in COSTS:
        raise InvalidGameInput("INVALID_PULL_COUNT", "count must be 1 or 10")
    return count


def cost(count: int) -> int:
    """Gold price of a 1- or 10-pull."""
    return COSTS[validate_count(count)]


def floats_needed(count: int) -> int:
    """Number of fair floats a pull of `count` consumes."""
    return FLOATS_PER_PULL * validate_count(count)


def roll_rarity(u: float) -> str:
    """Rarity for one float under the base (pre-pity) odds."""
    return RARITIES[weighted_index(u, [RARITY_WEIGHTS[r] for r in RARITIES])]


def pick_item(rarity: str, u: float) -> Item:
    """Item of `rarity` for one float, uniform over that rarity's pool."""
    pool = GACHA_POOL[rarity]
    return pool[uniform_index(u, len(pool))]


def resolve_rarity(
    rolled: str, counter: int, position: int, count: int, all_common_before: bool
) -> tuple[str, str]:
    """Apply pity rules to a rolled rarity; returns (rarity, reason). Shared by `pull` and the RTP chain."""
    if rolled != "legendary" and counter >= PITY_LEGENDARY_AT - 1:
        return "legendary", "pity"
    if count == 10 and position == 9 and rolled == "common" and all_common_before:
        # Floor of a 10-pull: nine commons followed by a rolled common become common x9 + rare.
        return TEN_PULL_MIN_RARITY, "ten_pull_guarantee"
    return rolled, "roll"


def next_counter(counter: int, rarity: str) -> int:
    """Pity counter after a pull of `rarity`: reset by a legendary, otherwise one more."""
    return 0 if rarity == "legendary" else counter + 1


def pull(floats: Sequence[float], count: int, pulls_since_legendary: int) -> GachaOutcome:
    """Map 2*count floats and the pity counter to the pulled items and the new pity counter."""
    validate_count(count)
    check_floats(floats, FLOATS_PER_PULL * count)
    if isinstance(pulls_since_legendary, bool) or pulls_since_legendary < 0:
        raise ValueError("pulls_since_legendary must be >= 0")
    counter = pulls_since_legendary
    pulls: list[Pull] = []
    for i in range(count):
        rolled = roll_rarity(floats[2 * i])
        all_common = all(p.rarity == "common" for p in pulls)
        rarity, reason = resolve_rarity(rolled, counter, i, count, all_common)
        pulls.append(Pull(pick_item(rarity, floats[2 * i + 1]), rarity, rolled, reason))
        counter = next_counter(counter, rarity)
    return GachaOutcome(pulls=tuple(pulls), new_pulls_since_legendary=counter)


def nominal_value(outcome: GachaOutcome) -> int:
    """Sum of the nominal gold values of the pulled items."""
    return sum(p.item.value for p in outcome.pulls)


def outcome_dict(outcome: GachaOutcome) -> dict[str, Any]:
    """JSON-ready view of a pull."""
    return {
        "items": [
            p.item.to_dict() | {"rolled_rarity": p.rolled_rarity, "reason": p.reason} for p in outcome.pulls
        ],
        "new_pulls_since_legendary": outcome.new_pulls_since_legendary,
        "nominal_value": nominal_value(outcome),
    }


def expected_value() -> dict[str, Any]:
    """Published expected listed item value per pull (items cannot be sold: the gold return is 0 %)."""
    from casino_club.games.rtp import gacha_expected_item_value  # rtp builds on these rules: import late

    values = gacha_expected_item_value()
    return {
        "gold_return": 0,
        "items_sellable": False,
        "expected_item_value": {k: round(float(v), 2) for k, v in values.items()},
        "item_value_per_gold": {k: round(float(v / COSTS[10 if k.startswith("ten") else 1]), 4)
                                for k, v in values.items()},
        "note_en": "Gacha pays items, not gold, and items cannot be sold, so its gold return is 0 %. "
        "`value` is each item's listed (nominal) value; the figures are the expected listed value per pull.",
        "note_ko": "가챠는 골드가 아니라 아이템을 지급하며 아이템은 판매할 수 없으므로 골드 환급률은 0%입니다. "
        "`value`는 아이템의 표시 가치이며, 위 수치는 뽑기 1회당 기대 표시 가치입니다.",
    }


def config() -> dict[str, Any]:
    """Published costs, odds, pity rules, item pool and expected item value (the same numbers `pull` uses)."""
    return {
        "expected_value": expected_value(),
        "costs": {"single": SINGLE_COST, "ten": TEN_COST},
        "odds": {r: float(RARITY_ODDS[r]) for r in RARITIES},
        "odds_per_10000": dict(RARITY_WEIGHTS),
        "rarity_order": list(RARITIES),
        "pity": {
            "legendary_guaranteed_by": PITY_LEGENDARY_AT,
            "ten_pull_min_rarity": TEN_PULL_MIN_RARITY,
            "rules_en": f"A legendary is guaranteed by the {PITY_LEGENDARY_AT}th pull without one "
            "(the counter carries over between pulls and resets on any legendary). In a 10-pull, if "
            "the first nine are common and the tenth rolls common, the tenth becomes a rare.",
            "rules_ko": f"레전더리 없이 {PITY_LEGENDARY_AT}번째 뽑기는 레전더리가 확정됩니다"
            "(카운터는 뽑기 간 유지되며 레전더리 획득 시 초기화). "
            "10연차에서 앞의 9개가 모두 커먼이고 10번째도 커먼이면 10번째는 레어로 바뀝니다.",
        },
        "item_selection": "uniform within the rarity",
        "pool": {r: [item.to_dict() for item in GACHA_POOL[r]] for r in RARITIES},
    }


def rarity_at_least(rarity: str, minimum: str) -> bool:
    """True if `rarity` is `minimum` or better."""
    return RARITY_RANK[rarity] >= RARITY_RANK[minimum]
