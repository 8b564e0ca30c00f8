"""Gacha catalog and published configuration (pulls settle as plans: games/plans.py GachaPlan)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.games.rules import gacha
from casino_club.games.rules.items import GACHA_POOL
from casino_club.inventory.service import ItemDef, upsert_items


def gacha_item_defs() -> list[ItemDef]:
    """Catalog rows for every item the gacha can grant (ids, names, rarity and value from the rules)."""
    return [ItemDef(i.id, i.name_ko, i.name_en, i.rarity, kind=i.kind, value=i.value, icon=i.emoji or "🎁")
            for pool in GACHA_POOL.values() for i in pool]


async def ensure_gacha_items(session: AsyncSession) -> None:
    """Upsert the gacha pool into the item catalog (seeder and app start-up: pulls grant them)."""
    await upsert_items(session, gacha_item_defs())


def config() -> dict[str, Any]:
    """The published gacha configuration (exactly what `pull` uses)."""
    return gacha.config()
