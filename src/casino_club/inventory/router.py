"""`GET /api/inventory`."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from casino_club.auth.deps import Principal, current_principal
from casino_club.inventory.service import list_inventory
from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(tags=["inventory"])


class InventoryItemOut(BaseModel):
    """One stack in the player's inventory."""

    item_id: str
    name_ko: str
    name_en: str
    rarity: str
    kind: str
    icon: str
    value: int
    quantity: int
    updated_at: datetime


class InventoryOut(BaseModel):
    """The player's inventory."""

    items: list[InventoryItemOut]


@router.get("/api/inventory", response_model=InventoryOut)
async def inventory(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> InventoryOut:
    """Items the player holds, stacked by item."""
    async with rt.sessionmaker() as session:
        rows = await list_inventory(session, principal.user_id)
    return InventoryOut(items=[InventoryItemOut(
        item_id=i.id, name_ko=i.name_ko, name_en=i.name_en, rarity=i.rarity, kind=i.kind, icon=i.icon, value=i.value,
        quantity=s.quantity, updated_at=s.updated_at) for s, i in rows])
