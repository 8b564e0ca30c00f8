"""Event and mission bodies (player views and admin CRUD)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from casino_club.kit.lang import localize
from casino_club.rewards.schemas import RewardOut, RewardSpec

Metric = Literal["games_played", "wins", "slot_spins", "rps_plays", "gacha_pulls", "crash_rounds",
                 "gold_wagered", "gold_spent", "purchases", "login_days", "streak_claims"]
Target = Annotated[int, Field(ge=1, le=1_000_000_000, strict=True)]
Period = Literal["daily", "weekly"]


def _text(v: str | None) -> str | None:
    if v is None:
        return v
    v = v.strip()
    if any(not ch.isprintable() and ch not in "\n\t" for ch in v):
        raise ValueError("must not contain control characters")
    return v


class EventIn(BaseModel):
    """A new event."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=120)  # Korean
    description: str = Field(default="", max_length=2000)
    title_en: str = Field(default="", max_length=120)  # English (the API falls back to Korean when empty)
    description_en: str = Field(default="", max_length=2000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    priority: int = Field(default=0, ge=-1000, le=1000, strict=True)
    requirements: dict[Metric, Target] = Field(min_length=1, max_length=5)
    rewards: RewardSpec

    _clean = field_validator("title", "description", "title_en", "description_en")(lambda cls, v: _text(v))

    @model_validator(mode="after")
    def _window(self) -> EventIn:
        if not self.title:
            raise ValueError("title must not be blank")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class EventUpdate(BaseModel):
    """Fields to change on an event (omitted fields stay)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    title_en: str | None = Field(default=None, max_length=120)
    description_en: str | None = Field(default=None, max_length=2000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000, strict=True)
    requirements: dict[Metric, Target] | None = Field(default=None, min_length=1, max_length=5)
    rewards: RewardSpec | None = None

    _clean = field_validator("title", "description", "title_en", "description_en")(lambda cls, v: _text(v))


class EventOut(BaseModel):
    """An event as admins see it."""

    id: int
    code: str | None
    title: str
    description: str
    title_ko: str | None = None
    title_en: str = ""
    description_ko: str | None = None
    description_en: str = ""
    starts_at: datetime
    ends_at: datetime
    priority: int
    requirements: dict[str, int]
    rewards: RewardSpec
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    participants: int = 0

    @model_validator(mode="after")
    def _localize(self) -> EventOut:
        return localize(self, "title", "description")


class MyEventOut(BaseModel):
    """An active event with the caller's participation and progress."""

    id: int
    title: str
    description: str
    title_ko: str | None = None
    title_en: str = ""
    description_ko: str | None = None
    description_en: str = ""
    starts_at: datetime
    ends_at: datetime
    priority: int
    requirements: dict[str, int]
    rewards: RewardSpec
    joined: bool
    progress: dict[str, int]
    completed: bool
    claimed: bool

    @model_validator(mode="after")
    def _localize(self) -> MyEventOut:
        return localize(self, "title", "description")


class EventList(BaseModel):
    """Active events, highest priority first."""

    items: list[MyEventOut]


class JoinOut(BaseModel):
    """Result of joining; `idempotent` is true when the caller had already joined."""

    idempotent: bool
    event: MyEventOut


class ClaimRewardOut(BaseModel):
    """A paid event or mission claim."""

    kind: Literal["event", "mission"]
    id: int
    reward: RewardOut
    balance: int


class ParticipantOut(BaseModel):
    """One participant of an event."""

    id: int
    user_id: int
    nickname: str
    joined_at: datetime
    progress: dict[str, int]
    completed: bool
    claimed_at: datetime | None
    forced: bool


class ParticipantPage(BaseModel):
    """Participants, newest first."""

    items: list[ParticipantOut]
    next_cursor: str | None


class ForceClaimIn(BaseModel):
    """Admin force-claim of an event for a player."""

    model_config = ConfigDict(extra="forbid")
    user_id: int = Field(ge=1, le=2**62, strict=True)


class MissionTemplateIn(BaseModel):
    """A new mission template."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9_\-]+$")
    title: str = Field(min_length=1, max_length=120)  # Korean
    description: str = Field(default="", max_length=2000)
    title_en: str = Field(default="", max_length=120)  # English (the API falls back to Korean when empty)
    description_en: str = Field(default="", max_length=2000)
    period: Period
    metric: Metric
    target: Target
    rewards: RewardSpec
    sort: int = Field(default=0, ge=-1000, le=1000, strict=True)

    _clean = field_validator("title", "description", "title_en", "description_en")(lambda cls, v: _text(v))


class MissionTemplateUpdate(BaseModel):
    """Fields to change on a mission template."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    title_en: str | None = Field(default=None, max_length=120)
    description_en: str | None = Field(default=None, max_length=2000)
    period: Period | None = None
    metric: Metric | None = None
    target: Target | None = None
    rewards: RewardSpec | None = None
    sort: int | None = Field(default=None, ge=-1000, le=1000, strict=True)

    _clean = field_validator("title", "description", "title_en", "description_en")(lambda cls, v: _text(v))


class MissionTemplateOut(BaseModel):
    """A mission template as admins see it."""

    id: int
    code: str
    title: str
    description: str
    title_ko: str | None = None
    title_en: str = ""
    description_ko: str | None = None
    description_en: str = ""
    period: str
    metric: str
    target: int
    rewards: RewardSpec
    sort: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @model_validator(mode="after")
    def _localize(self) -> MissionTemplateOut:
        return localize(self, "title", "description")


class MissionOut(BaseModel):
    """A mission with the caller's progress in the current local period."""

    id: int
    code: str
    title: str
    description: str
    title_ko: str | None = None
    title_en: str = ""
    description_ko: str | None = None
    description_en: str = ""
    period: str
    metric: str
    target: int
    progress: int
    completed: bool
    claimed: bool
    rewards: RewardSpec
    period_start: date
    resets_at: datetime

    @model_validator(mode="after")
    def _localize(self) -> MissionOut:
        return localize(self, "title", "description")


class MissionList(BaseModel):
    """The caller's missions."""

    items: list[MissionOut]
