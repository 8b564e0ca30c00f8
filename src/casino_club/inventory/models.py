"""Item catalog and per-player stacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class Item(Base):
    """An item type: gacha prize, shop good or consumable (e.g. the streak shield)."""

    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    rarity: Mapped[str] = mapped_column(String(16))  # common | rare | epic | legendary
    kind: Mapped[str] = mapped_column(String(16))  # collectible | consumable
    value: Mapped[int] = mapped_column(Integer, default=0)  # nominal gold value (published gacha RTP)
    icon: Mapped[str] = mapped_column(String(16), default="🎁")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InventoryStack(Base):
    """How many of one item a player holds; stacks by item."""

    __tablename__ = "inventory"
    __table_args__ = (UniqueConstraint("user_id", "item_id"), CheckConstraint("quantity >= 0", name="qty_non_negative"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
