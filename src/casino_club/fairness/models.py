"""Per-player seed pairs: the committed (secret) server seed and the committed next one, their SHA-256, client seed, nonce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime


class SeedPair(Base):
    """One seed pair. Exactly one per player is active; rotated pairs keep their (now revealed) seed."""

    __tablename__ = "fairness_seed_pairs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Equals user_id while the pair is active, NULL once rotated: a plain unique column (NULLs never
    # collide) enforces "one active pair per player" on SQLite and PostgreSQL alike.
    active_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    server_seed: Mapped[str] = mapped_column(String(64))  # secret until the pair is rotated
    server_seed_hash: Mapped[str] = mapped_column(String(64))
    client_seed: Mapped[str] = mapped_column(String(64))
    # False while the client seed is the server's placeholder; the browser replaces it before play.
    client_seed_by_player: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The committed next server seed (secret, hash shown): rotation activates it, so every server seed
    # is fixed before the player can know which client seed it will meet. NULL once rotated.
    next_server_seed: Mapped[str | None] = mapped_column(String(64))
    next_server_seed_hash: Mapped[str | None] = mapped_column(String(64))
    next_nonce: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_fairness_seed_pairs_user_id_desc", SeedPair.user_id, SeedPair.id)
