"""Gacha pulls: 1 or 10 per round, published odds, hard pity carried per player, items into the inventory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.db import rows_matched
from casino_club.fairness.service import next_outcome
from casino_club.games.errors import input_error
from casino_club.games.models import GachaPity
from casino_club.games.rules import InvalidGameInput, gacha
from casino_club.games.rules.items import GACHA_POOL
from casino_club.games.schemas import GachaPullIn, PlayOut
from casino_club.games.service_common import finish_instant, insert_round, take_stake
from casino_club.inventory.models import Item
from casino_club.inventory.service import ItemDef, grant_item, upsert_items
from casino_club.kit.runtime import session_now


def gacha_item_defs() -> list[ItemDef]:
    """Catalog rows for every item the gacha can grant (ids, names, rarity and value from the rules)."""
    return [ItemDef(i.id, i.name_ko, i.name_en, i.rarity, kind=i.kind, value=i.value, icon=i.emoji or "🎁")
            for pool in GACHA_POOL.values() for i in pool]


async def ensure_gacha_items(session: AsyncSession) -> None:
    """Upsert the gacha pool into the item catalog (seeder; also run lazily by the first pull)."""
    await upsert_items(session, gacha_item_defs())


async def _pity(session: AsyncSession, user_id: int) -> int:
    value = (await session.execute(select(GachaPity.pulls_since_legendary).where(GachaPity.user_id == user_id))
             ).scalar_one_or_none()
    return value or 0


async def _store_pity(session: AsyncSession, user_id: int, counter: int, pulls: int) -> None:
    now = session_now(session)
    stmt = (update(GachaPity).where(GachaPity.user_id == user_id)
            .values(pulls_since_legendary=counter, total_pulls=GachaPity.total_pulls + pulls, updated_at=now)
            .execution_options(synchronize_session=False))
    if rows_matched(await session.execute(stmt)) == 1:
        return
    try:
        async with session.begin_nested():
            session.add(GachaPity(user_id=user_id, pulls_since_legendary=counter, total_pulls=pulls, updated_at=now))
    except IntegrityError:
        await session.execute(stmt)


async def _grant(session: AsyncSession, user_id: int, item_ids: list[str]) -> None:
    counts: dict[str, int] = {}
    for item_id in item_ids:
        counts[item_id] = counts.get(item_id, 0) + 1
    for item_id, quantity in counts.items():
        if await session.get(Item, item_id) is None:
            await ensure_gacha_items(session)  # a fresh database that was never seeded
        await grant_item(session, user_id, item_id, quantity)


async def pull(session: AsyncSession, user_id: int, body: GachaPullIn) -> PlayOut:
    """Pull 1 (500 gold) or 10 (4,500 gold) items; the pity counter is read after the stake locks the player."""
    try:
        count = gacha.validate_count(body.count)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc
    cost = gacha.cost(count)
    # Taking the nonce locks the player's seed pair row, so the pity read below is serialised per player.
    draw = await next_outcome(session, user_id, gacha.floats_needed(count))
    pity_before = await _pity(session, user_id)
    outcome = gacha.pull(draw.floats, count, pity_before)
    params: dict[str, Any] = {"count": count, "pulls_since_legendary": pity_before}
    r = await insert_round(session, user_id, "gacha", cost, draw, params, gacha.outcome_dict(outcome),
                           payout=0, result="item")
    moved = await take_stake(session, user_id, r, "gacha_pull")
    await _store_pity(session, user_id, outcome.new_pulls_since_legendary, count)
    await _grant(session, user_id, [item.id for item in outcome.items])
    return await finish_instant(session, user_id, r, moved, multiplier_x100=0, progress={
        "games_played": 1, "gacha_pulls": count, "gold_spent": cost})


def config() -> dict[str, Any]:
    """The published gacha configuration (exactly what `pull` uses)."""
    return gacha.config()
