"""Reward bodies shared by streaks, missions, events and admin distributions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from casino_club.kit.fields import reason_text, unique_user_ids
from casino_club.kit.lang import localize

MAX_REWARD_GOLD = 100_000_000
MAX_REWARD_XP = 1_000_000


class ItemGrant(BaseModel):
    """Items of one kind in a reward."""

    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1000, strict=True)


class RewardSpec(BaseModel):
    """What a mission, event or distribution pays: gold, XP and items."""

    model_config = ConfigDict(extra="forbid")
    gold: int = Field(default=0, ge=0, le=MAX_REWARD_GOLD, strict=True)
    xp: int = Field(default=0, ge=0, le=MAX_REWARD_XP, strict=True)
    items: list[ItemGrant] = Field(default_factory=list, max_length=10)


class RewardOut(BaseModel):
    """One reward in the player's history."""

    id: int
    source: str
    title: str  # in the request's language (Korean fallback)
    title_ko: str | None = None
    title_en: str = ""
    reference: str | None
    gold: int
    xp: int
    items: list[ItemGrant]
    created_at: datetime

    @model_validator(mode="after")
    def _localize(self) -> RewardOut:
        return localize(self, "title")


class RewardPage(BaseModel):
    """A page of rewards, newest first."""

    items: list[RewardOut]
    next_cursor: str | None


class DistributeIn(BaseModel):
    """Admin distribution to listed players or to every player of a rank."""

    model_config = ConfigDict(extra="forbid")
    user_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    rank: Literal["STANDARD", "PREMIUM", "VIP"] | None = None
    gold: int = Field(default=0, ge=0, le=MAX_REWARD_GOLD, strict=True)
    items: list[ItemGrant] = Field(default_factory=list, max_length=10)
    reason: str = Field(min_length=2, max_length=120)

    _reason = field_validator("reason")(lambda cls, v: reason_text(v))

    _ids = field_validator("user_ids")(lambda cls, v: unique_user_ids(v))

    @model_validator(mode="after")
    def _target(self) -> DistributeIn:
        if (self.user_ids is None) == (self.rank is None):
            raise ValueError("give exactly one of user_ids or rank")
        if self.gold == 0 and not self.items:
            raise ValueError("a distribution needs gold or items")
        return self


class DistributeOut(BaseModel):
    """Receipt of a distribution."""

    batch_code: str
    recipients: int
    user_ids: list[int]
    gold: int
    items: list[ItemGrant]
    reason: str
    created_at: datetime
