"""Grant, consume and list inventory items (always inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.inventory.models import InventoryStack, Item
from casino_club.kit.errors import NotFound, error
from casino_club.kit.runtime import session_now

ItemNotOwned = error(409, "ITEM_NOT_OWNED", "You do not have that item.", "해당 아이템이 없습니다.")

STREAK_SHIELD = "streak_shield"


@dataclass(frozen=True)
class ItemDef:
    """Static definition of an item, upserted into the catalog by seeders."""

    id: str
    name_ko: str
    name_en: str
    rarity: str
    kind: str = "collectible"
    value: int = 0
    icon: str = "🎁"


CORE_ITEMS = (
    ItemDef(STREAK_SHIELD, "연속 출석 보호막", "Streak Shield", "epic", kind="consumable", value=1500, icon="🛡️"),
)


async def upsert_items(session: AsyncSession, items: Iterable[ItemDef]) -> None:
    """Insert missing catalog items and refresh the names/values of existing ones (idempotent)."""
    for spec in items:
        row = await session.get(Item, spec.id)
        if row is None:
            try:
                async with session.begin_nested():
                    session.add(Item(**spec.__dict__, active=True))
            except IntegrityError:
                pass  # inserted concurrently by another instance
        else:
            row.name_ko, row.name_en, row.rarity, row.kind, row.value, row.icon = (
                spec.name_ko, spec.name_en, spec.rarity, spec.kind, spec.value, spec.icon)


async def grant_item(session: AsyncSession, user_id: int, item_id: str, quantity: int = 1) -> int:
    """Add items to the player's stack; returns the new quantity."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if await session.get(Item, item_id) is None:
        raise NotFound({"item_id": item_id})
    now = session_now(session)
    bumped = (await session.execute(update(InventoryStack).where(
        InventoryStack.user_id == user_id, InventoryStack.item_id == item_id).values(
        quantity=InventoryStack.quantity + quantity, updated_at=now).returning(InventoryStack.quantity))).scalar_one_or_none()
    if bumped is not None:
        return bumped
    try:
        async with session.begin_nested():
            session.add(InventoryStack(user_id=user_id, item_id=item_id, quantity=quantity, updated_at=now))
        return quantity
    except IntegrityError:  # the stack was created concurrently: add to it instead
        return await grant_item(session, user_id, item_id, quantity)


async def consume_item(session: AsyncSession, user_id: int, item_id: str, quantity: int = 1) -> int:
    """Use up items atomically; 409 ITEM_NOT_OWNED if the player has too few. Returns what is left."""
    left = (await session.execute(update(InventoryStack).where(
        InventoryStack.user_id == user_id, InventoryStack.item_id == item_id,
        InventoryStack.quantity >= quantity).values(
        quantity=InventoryStack.quantity - quantity, updated_at=session_now(session))
        .returning(InventoryStack.quantity))).scalar_one_or_none()
    if left is None:
        raise ItemNotOwned({"item_id": item_id})
    return left


async def quantity_of(session: AsyncSession, user_id: int, item_id: str) -> int:
    """How many of an item the player holds."""
    value = (await session.execute(select(InventoryStack.quantity).where(
        InventoryStack.user_id == user_id, InventoryStack.item_id == item_id))).scalar_one_or_none()
    return value or 0


async def list_inventory(session: AsyncSession, user_id: int) -> list[tuple[InventoryStack, Item]]:
    """The player's non-empty stacks with their catalog rows."""
    rows = await session.execute(select(InventoryStack, Item).join(Item, Item.id == InventoryStack.item_id)
                                 .where(InventoryStack.user_id == user_id, InventoryStack.quantity > 0)
                                 .order_by(Item.rarity, Item.id))
    return [(r[0], r[1]) for r in rows]
