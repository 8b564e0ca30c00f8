"""Game rounds, crash round state, per-player per-game stats and the gacha pity counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class GameRound(Base):
    """One round of any game with its fairness inputs; crash rounds stay 'open' until they end."""

    __tablename__ = "game_rounds"
    __table_args__ = (
        CheckConstraint("stake > 0", name="stake_positive"),
        CheckConstraint("payout >= 0", name="payout_non_negative"),
        # Ledger dedupe keys name round ids ("round:42:payout") and the ledger outlives deleted rounds
        # (clean-seed), so SQLite must never hand out an id again (PostgreSQL sequences never do).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    game: Mapped[str] = mapped_column(String(16))  # slot | rps | gacha | crash
    stake: Mapped[int] = mapped_column(BigInteger)
    payout: Mapped[int] = mapped_column(BigInteger, default=0)
    result: Mapped[str] = mapped_column(String(8))  # win | lose | draw | item | open
    status: Mapped[str] = mapped_column(String(8))  # open | settled
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # player inputs needed to re-derive the outcome
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)  # crash: public fields only until settled
    seed_pair_id: Mapped[int] = mapped_column(ForeignKey("fairness_seed_pairs.id", ondelete="RESTRICT"))
    server_seed_hash: Mapped[str] = mapped_column(String(64))
    client_seed: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_game_rounds_user_id_desc", GameRound.user_id, GameRound.id)
Index("ix_game_rounds_user_game_id", GameRound.user_id, GameRound.game, GameRound.id)


class CrashRound(Base):
    """Server-side state of a crash round; `crash_x100` is secret until status becomes 'settled'."""

    __tablename__ = "crash_rounds"

    round_id: Mapped[int] = mapped_column(ForeignKey("game_rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seed_pair_id: Mapped[int] = mapped_column(ForeignKey("fairness_seed_pairs.id", ondelete="RESTRICT"))
    stake: Mapped[int] = mapped_column(BigInteger)
    crash_x100: Mapped[int] = mapped_column(Integer)
    # The round's two stream floats as 32-bit words (float = word / 2**32): the exact crash point, which
    # decides manual cash-outs, and the payout rounding float. Secret like crash_x100; NULL only on
    # rounds settled before migration 0004.
    crash_word: Mapped[int | None] = mapped_column(BigInteger)
    round_word: Mapped[int | None] = mapped_column(BigInteger)
    auto_cashout_x100: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the server ends the round if nobody cashes out: the auto cash-out time if it is reached,
    # otherwise the crash time (rounded up so the curve has reached the point by then).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8))  # open | settled
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_crash_rounds_status_due", CrashRound.status, CrashRound.due_at)
Index("ix_crash_rounds_seed_pair", CrashRound.seed_pair_id, CrashRound.status)


class GameStats(Base):
    """Per-player, per-game totals, updated in the round's transaction (never recomputed from history)."""

    __tablename__ = "game_stats"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    game: Mapped[str] = mapped_column(String(16), primary_key=True)
    rounds: Mapped[int] = mapped_column(BigInteger, default=0)
    wins: Mapped[int] = mapped_column(BigInteger, default=0)
    losses: Mapped[int] = mapped_column(BigInteger, default=0)
    ties: Mapped[int] = mapped_column(BigInteger, default=0)
    wagered: Mapped[int] = mapped_column(BigInteger, default=0)
    won: Mapped[int] = mapped_column(BigInteger, default=0)  # gold paid back (stake included)
    biggest_win: Mapped[int] = mapped_column(BigInteger, default=0)  # largest payout - stake of one round
    highest_multiplier_x100: Mapped[int] = mapped_column(Integer, default=0)  # best winning multiplier
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GachaPity(Base):
    """Pulls since the player's last legendary (the hard-pity counter), carried across pulls."""

    __tablename__ = "gacha_pity"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    pulls_since_legendary: Mapped[int] = mapped_column(Integer, default=0)
    total_pulls: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
