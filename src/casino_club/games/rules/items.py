"""Static item catalog: the gacha pool (4 items per rarity) and consumables such as the streak shield.

Ids are stable: inventories store them, so never rename or reuse one. `value` is a nominal gold
value used to publish the gacha's expected return; it is not a sell price.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

RARITIES: tuple[str, ...] = ("common", "rare", "epic", "legendary")
RARITY_RANK = MappingProxyType({r: i for i, r in enumerate(RARITIES)})

KIND_COLLECTIBLE = "collectible"
KIND_CONSUMABLE = "consumable"


@dataclass(frozen=True)
class Item:
    """A catalog item: stable id, Korean/English names, rarity, nominal gold value and kind."""

    id: str
    name_ko: str
    name_en: str
    rarity: str
    value: int
    kind: str = KIND_COLLECTIBLE
    emoji: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of the item."""
        return {
            "id": self.id,
            "name_ko": self.name_ko,
            "name_en": self.name_en,
            "rarity": self.rarity,
            "value": self.value,
            "kind": self.kind,
            "emoji": self.emoji,
        }


def _pool(rarity: str, rows: tuple[tuple[str, str, str, int, str], ...]) -> tuple[Item, ...]:
    return tuple(Item(item_id, ko, en, rarity, value, emoji=emoji) for item_id, ko, en, value, emoji in rows)


# Order inside each tuple is part of the fairness mapping (item = pool[floor(u * len(pool))]):
# append new items only with a new published pool version, never reorder.
# Rows: (id, Korean name, English name, nominal gold value, emoji).
GACHA_POOL: MappingProxyType[str, tuple[Item, ...]] = MappingProxyType(
    {
        "common": _pool(
            "common",
            (
                ("gacha_common_clover", "네잎클로버", "Four-leaf Clover", 90, "🍀"),
                ("gacha_common_horseshoe", "행운의 말굽", "Lucky Horseshoe", 110, "🐎"),
                ("gacha_common_dice", "나무 주사위", "Wooden Dice", 125, "🎲"),
                ("gacha_common_coin", "행운의 동전", "Lucky Coin", 145, "🪙"),
            ),
        ),
        "rare": _pool(
            "rare",
            (
                ("gacha_rare_golden_chip", "황금 칩", "Golden Chip", 550, "🟡"),
                ("gacha_rare_lucky_cat", "행운의 고양이", "Lucky Cat", 640, "🐱"),
                ("gacha_rare_neon_dice", "네온 주사위", "Neon Dice", 720, "💠"),
                ("gacha_rare_silver_ring", "은반지", "Silver Ring", 800, "💍"),
            ),
        ),
        "epic": _pool(
            "epic",
            (
                ("gacha_epic_crystal_ball", "수정 구슬", "Crystal Ball", 2000, "🔮"),
                ("gacha_epic_phoenix_feather", "불사조 깃털", "Phoenix Feather", 2250, "🪶"),
                ("gacha_epic_royal_flush", "로열 플러시", "Royal Flush", 2450, "🃏"),
                ("gacha_epic_dragon_egg", "용의 알", "Dragon Egg", 2700, "🥚"),
            ),
        ),
        "legendary": _pool(
            "legendary",
            (
                ("gacha_legendary_golden_dragon", "황금 용", "Golden Dragon", 9000, "🐉"),
                ("gacha_legendary_diamond_crown", "다이아몬드 왕관", "Diamond Crown", 10000, "👑"),
                ("gacha_legendary_infinity_chip", "무한의 칩", "Infinity Chip", 10800, "💫"),
                ("gacha_legendary_cosmic_jackpot", "우주의 잭팟", "Cosmic Jackpot", 11600, "🌌"),
            ),
        ),
    }
)

# The streak shield is a consumable sold in the shop (and grantable as a reward); it is NOT in the
# gacha pool, so it never changes the published gacha odds. When a player misses a streak day and
# owns one, the streak service consumes one shield instead of resetting the streak.
STREAK_SHIELD = Item(
    "streak_shield", "연속 출석 보호막", "Streak Shield", "epic", 1500, kind=KIND_CONSUMABLE, emoji="🛡️"
)
CONSUMABLES: tuple[Item, ...] = (STREAK_SHIELD,)

ITEMS: MappingProxyType[str, Item] = MappingProxyType(
    {item.id: item for pool in GACHA_POOL.values() for item in pool} | {c.id: c for c in CONSUMABLES}
)


def get_item(item_id: str) -> Item:
    """Look an item up by id (KeyError if unknown)."""
    return ITEMS[item_id]
