"""Notification campaigns (admin) and per-player inbox rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class Campaign(Base):
    """An admin message to all players, a rank or listed players; sent now or at `scheduled_at`.

    Status: scheduled → sending → sent, or scheduled → cancelled. The state lives in the database so a
    restart picks up due campaigns; the scheduled→sending conditional UPDATE lets one instance win.
    """

    __tablename__ = "notification_campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))  # Korean
    body: Mapped[str] = mapped_column(String(2000))
    title_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    body_en: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    target: Mapped[str] = mapped_column(String(8))  # all | rank | users
    target_rank: Mapped[str | None] = mapped_column(String(16))
    target_user_ids: Mapped[list[int] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Notification(Base):
    """One message in a player's inbox; unique (campaign, user) delivers a campaign once per player."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("notification_campaigns.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # campaign | system
    title: Mapped[str] = mapped_column(String(120))  # Korean
    body: Mapped[str] = mapped_column(String(2000))
    title_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    body_en: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_notifications_user_id_desc", Notification.user_id, Notification.id)
Index("ix_notification_campaigns_due", Campaign.status, Campaign.scheduled_at)
