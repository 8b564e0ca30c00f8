"""Reward grants (the player's reward history) and admin distribution batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class RewardGrant(Base):
    """One reward a player received (streak, mission, event, VIP, admin distribution)."""

    __tablename__ = "reward_grants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # streak | mission | event | vip | admin
    title: Mapped[str] = mapped_column(String(120))  # Korean (or the only text)
    title_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    reference: Mapped[str | None] = mapped_column(String(128))
    gold: Mapped[int] = mapped_column(BigInteger, default=0)
    xp: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Business-level exactly-once guard shared with the ledger transfer (e.g. 'streak:42:2026-11-26').
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RewardBatch(Base):
    """An admin distribution to one player or a segment."""

    __tablename__ = "reward_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    gold: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(120))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_reward_grants_user_id_desc", RewardGrant.user_id, RewardGrant.id)
