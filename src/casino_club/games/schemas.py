"""Request and response bodies of the game and fairness endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BetIn(BaseModel):
    """A stake in whole gold (limits come from settings)."""

    model_config = ConfigDict(extra="forbid")
    bet: int = Field(strict=True, description="Stake in whole gold")


class SlotSpinIn(BetIn):
    """`POST /api/games/slot/spin`."""


class RpsPlayIn(BetIn):
    """`POST /api/games/rps/play`."""

    choice: str = Field(max_length=16, description="rock, paper or scissors")


class GachaPullIn(BaseModel):
    """`POST /api/games/gacha/pull`."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(1, strict=True, description="1 or 10")


class CrashBetIn(BetIn):
    """`POST /api/games/crash/bet`: optional auto cash-out multiplier (1.01-1000, two decimals)."""

    auto_cashout: float | None = Field(None, allow_inf_nan=False, description="Auto cash-out multiplier, e.g. 2.5")


class CrashCashoutIn(BaseModel):
    """`POST /api/games/crash/cashout`."""

    model_config = ConfigDict(extra="forbid")
    round_id: int = Field(strict=True, ge=1, le=2**62)


class FairnessRef(BaseModel):
    """The fairness inputs of a round; `server_seed` appears once the pair has been rotated."""

    seed_pair_id: int
    server_seed_hash: str
    client_seed: str
    nonce: int
    server_seed: str | None = None


class RoundOut(BaseModel):
    """A round as returned by play endpoints and history."""

    round_id: int
    game: str
    status: str
    result: str
    stake: int
    payout: int
    net: int
    params: dict[str, Any]
    outcome: dict[str, Any]
    fairness: FairnessRef
    created_at: datetime
    settled_at: datetime | None = None


class PlayOut(RoundOut):
    """A play response: the round plus the player's balance, XP and level afterwards."""

    balance: int
    xp: int
    level: int


class CrashRoundOut(RoundOut):
    """A crash round with its live view (the crash point is only in `outcome` after it ended)."""

    started_at: datetime
    server_time: datetime
    elapsed_seconds: float
    current_multiplier: float | None = None
    growth_rate: float


class CrashPlayOut(CrashRoundOut):
    """Bet / cash-out response."""

    balance: int
    xp: int
    level: int


class StatLine(BaseModel):
    """Totals of one game (or all games)."""

    rounds: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    wagered: int = 0
    won: int = 0
    net: int = 0
    biggest_win: int = 0
    highest_multiplier: float = 0.0


class StatsOut(BaseModel):
    """`GET /api/games/stats/me`."""

    totals: StatLine
    highest_crash_multiplier: float
    games: dict[str, StatLine]


class HistoryPage(BaseModel):
    """A page of the player's rounds, newest first."""

    items: list[RoundOut]
    next_cursor: str | None


class FairnessOut(BaseModel):
    """The player's active seed pair and recently revealed ones."""

    seed_pair_id: int
    server_seed_hash: str
    next_server_seed_hash: str  # committed now; becomes the active seed at the next rotation
    client_seed: str
    client_seed_by_player: bool  # False while the client seed is still the server's placeholder
    nonce: int
    created_at: datetime
    revealed: list[RevealedPair] = []


class RevealedPair(BaseModel):
    """A rotated seed pair: its server seed is public and matches the hash committed before."""

    seed_pair_id: int
    server_seed: str
    server_seed_hash: str
    client_seed: str
    rounds_played: int
    created_at: datetime
    rotated_at: datetime | None


class ClientSeedIn(BaseModel):
    """`PUT /api/fairness/client-seed`."""

    model_config = ConfigDict(extra="forbid")
    client_seed: str = Field(min_length=1, max_length=64)


class RotateIn(BaseModel):
    """`POST /api/fairness/rotate` (optionally with the client seed for the new pair)."""

    model_config = ConfigDict(extra="forbid")
    client_seed: str | None = Field(None, min_length=1, max_length=64)


class RotateOut(BaseModel):
    """The revealed previous pair and the new active one."""

    revealed: RevealedPair
    current: FairnessOut


class VerifyIn(BaseModel):
    """`POST /api/fairness/verify`: everything needed to recompute a round, nothing from the database."""

    model_config = ConfigDict(extra="forbid")
    game: str = Field(max_length=16)
    server_seed: str = Field(min_length=1, max_length=256)
    client_seed: str = Field(max_length=256)
    nonce: int = Field(strict=True, ge=0, le=2**53)
    params: dict[str, Any] = Field(default_factory=dict)


FairnessOut.model_rebuild()
