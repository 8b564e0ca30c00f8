"""Events (time-boxed goals players join) and daily/weekly mission templates, with per-player progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class Event(Base):
    """A time-boxed goal: requirements {metric: target}, rewards {gold, xp, items}; soft-deleted."""

    __tablename__ = "engagement_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)  # set for seeded events
    title: Mapped[str] = mapped_column(String(120))  # Korean
    description: Mapped[str] = mapped_column(String(2000), default="")
    title_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    requirements: Mapped[dict[str, int]] = mapped_column(JSON)
    rewards: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventParticipation(Base):
    """A player who joined an event; claimed_at is set exactly once (conditional UPDATE)."""

    __tablename__ = "event_participations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("engagement_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)  # claimed by an admin force-claim


class EventProgress(Base):
    """One metric's count for a participant since joining (incremented atomically by the server)."""

    __tablename__ = "event_progress"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "metric"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("engagement_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class MissionTemplate(Base):
    """A daily or weekly mission: reach `target` of `metric` within the local period."""

    __tablename__ = "mission_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(120))  # Korean
    description: Mapped[str] = mapped_column(String(2000), default="")
    title_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    period: Mapped[str] = mapped_column(String(8))  # daily | weekly
    metric: Mapped[str] = mapped_column(String(32))
    target: Mapped[int] = mapped_column(BigInteger)
    rewards: Mapped[dict[str, Any]] = mapped_column(JSON)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MissionProgress(Base):
    """A player's count for one mission in one period (keyed by the period's local start day)."""

    __tablename__ = "mission_progress"
    # Claims dedupe on the row id ("mission:42") and outlive deleted rows (clean-seed): never reuse ids.
    __table_args__ = (UniqueConstraint("template_id", "user_id", "period_start"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("mission_templates.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_event_progress_user_metric", EventProgress.user_id, EventProgress.metric)
Index("ix_mission_progress_user_period", MissionProgress.user_id, MissionProgress.period_start)
