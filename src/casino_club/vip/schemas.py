"""VIP response bodies."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class VipStatus(BaseModel):
    """The caller's VIP points, rank, next rank and benefits."""

    rank: str
    vip_points: int
    next_rank: str | None
    points_to_next: int | None
    thresholds: dict[str, int]
    benefits: list[str]
    daily_points: int
    claimed_today: bool
    today: date


class VipClaimOut(BaseModel):
    """Result of the daily claim; `idempotent` is true when today's points were already granted."""

    idempotent: bool
    points_added: int
    vip_points: int
    rank: str
    rank_changed: bool
    today: date
