"""Notification bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from casino_club.kit.fields import unique_user_ids
from casino_club.kit.lang import localize


class CampaignIn(BaseModel):
    """A campaign: to everyone, a rank, or listed players; now (no send_at) or at send_at."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=120)  # Korean
    body: str = Field(min_length=1, max_length=2000)
    title_en: str = Field(default="", max_length=120)  # English (empty: players see the Korean text)
    body_en: str = Field(default="", max_length=2000)
    target: Literal["all", "rank", "users"]
    rank: Literal["STANDARD", "PREMIUM", "VIP"] | None = None
    user_ids: list[int] | None = Field(default=None, min_length=1, max_length=10_000)
    send_at: AwareDatetime | None = None

    @field_validator("title_en", "body_en")
    @classmethod
    def _optional_text(cls, v: str) -> str:
        return cls._text(v) if v.strip() else ""

    @field_validator("title", "body")
    @classmethod
    def _text(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        if any(not ch.isprintable() and ch not in "\n\t" for ch in v):
            raise ValueError("must not contain control characters")
        return v

    _ids = field_validator("user_ids")(lambda cls, v: unique_user_ids(v))

    @model_validator(mode="after")
    def _target(self) -> CampaignIn:
        if self.target == "rank" and self.rank is None:
            raise ValueError("target 'rank' needs rank")
        if self.target == "users" and not self.user_ids:
            raise ValueError("target 'users' needs user_ids")
        if self.target != "rank" and self.rank is not None:
            raise ValueError("rank is only for target 'rank'")
        if self.target != "users" and self.user_ids is not None:
            raise ValueError("user_ids is only for target 'users'")
        return self


class CampaignOut(BaseModel):
    """A campaign and its delivery state."""

    id: int
    title: str
    body: str
    title_ko: str | None = None
    title_en: str = ""
    body_ko: str | None = None
    body_en: str = ""
    target: str
    rank: str | None
    user_ids: list[int] | None
    status: str
    scheduled_at: datetime
    created_at: datetime
    sent_at: datetime | None
    cancelled_at: datetime | None
    recipients: int

    @model_validator(mode="after")
    def _localize(self) -> CampaignOut:
        return localize(self, "title", "body")


class CampaignPage(BaseModel):
    """Campaigns, newest first."""

    items: list[CampaignOut]
    next_cursor: str | None


class NotificationOut(BaseModel):
    """One inbox message."""

    id: int
    kind: str
    title: str
    body: str
    title_ko: str | None = None
    title_en: str = ""
    body_ko: str | None = None
    body_en: str = ""
    data: dict[str, Any]
    read: bool
    read_at: datetime | None
    created_at: datetime
    campaign_id: int | None

    @model_validator(mode="after")
    def _localize(self) -> NotificationOut:
        return localize(self, "title", "body")


class NotificationPage(BaseModel):
    """A page of the inbox, newest first."""

    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadCount(BaseModel):
    """Unread messages."""

    unread: int


class ReadAllOut(BaseModel):
    """How many messages were marked read."""

    marked: int
    unread: int
