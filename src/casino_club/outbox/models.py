"""Transactional outbox: per-player events with a gap-free per-player sequence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class OutboxEvent(Base):
    """An event for one player, written in the transaction that caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (UniqueConstraint("user_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigId)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Only the rows the relay still has to publish: events the writer published itself (the slot/RPS group
# commit's) are inserted with published_at set and never enter this index (~7 % of that write's time).
_UNPUBLISHED = OutboxEvent.published_at.is_(None)
Index("ix_outbox_unpublished", OutboxEvent.id, postgresql_where=_UNPUBLISHED, sqlite_where=_UNPUBLISHED)
