"""Daily streak: per-player state, attendance days, claims and the event log (resets, shields)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class StreakState(Base):
    """The player's current run of consecutive local days."""

    __tablename__ = "streak_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    longest: Mapped[int] = mapped_column(Integer, default=0)
    last_day: Mapped[date | None] = mapped_column(Date)  # last local day ticked
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StreakDay(Base):
    """One attended local day; the unique (user, day) makes the first tick of a day happen once."""

    __tablename__ = "streak_days"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    streak_day: Mapped[int] = mapped_column(Integer)  # n on that day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StreakClaim(Base):
    """The day's claim; unique (user, day) lets exactly one of many concurrent claims win."""

    __tablename__ = "streak_claims"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    streak_day: Mapped[int] = mapped_column(Integer)
    gold: Mapped[int] = mapped_column(BigInteger)
    xp: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StreakEvent(Base):
    """What happened to a streak: start, continue, reset, shield_used, claim."""

    __tablename__ = "streak_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_streak_events_user", StreakEvent.user_id, StreakEvent.id)
