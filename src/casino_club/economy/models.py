"""The admin's override of the reward schedule: one row (id 1) or none (the CASINO_* defaults apply)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, UTCDateTime

SCHEDULE_ROW_ID = 1


class RewardScheduleOverride(Base):
    """Every field of the RewardSchedule as JSON, who set it and when."""

    __tablename__ = "reward_schedule"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
