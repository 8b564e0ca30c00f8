"""The admin's override of the reward schedule: one row (id 1, made by the migration); NULL = the CASINO_* defaults.

The row always exists so that a change locks it (SELECT … FOR UPDATE) and concurrent changes take turns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, UTCDateTime

SCHEDULE_ROW_ID = 1


class RewardScheduleOverride(Base):
    """Every field of the RewardSchedule as JSON (or NULL), who changed it last and when."""

    __tablename__ = "reward_schedule"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
