"""Database reads for realtime: snapshot, replay after a seq, resume checks, session liveness."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import AuthSession, User
from casino_club.auth.profile import load_profile
from casino_club.bus.relay import envelope_of
from casino_club.games.service_stats import my_stats
from casino_club.outbox.models import OutboxEvent
from casino_club.realtime.protocol import Event


async def latest_seq(session: AsyncSession, user_id: int) -> int:
    """The player's last assigned (committed) event seq."""
    return int((await session.execute(select(User.event_seq).where(User.id == user_id))).scalar_one_or_none() or 0)


async def snapshot(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Profile, balance and game stats, as of `seq`.

    The seq is read before the profile, so the profile is at least as new as `seq`; events after it that the
    socket still delivers only re-apply state the client already has.
    """
    seq = await latest_seq(session, user_id)
    profile = await load_profile(session, user_id)
    stats = await my_stats(session, user_id)
    return {"seq": seq, "profile": profile.model_dump(mode="json"), "balance": profile.gold,
            "stats": stats.model_dump(mode="json")}


    return None


async def events_after(session: AsyncSession, user_id: int, after_seq: int, limit: int) -> list[Event]:
    """Up to `limit` events with seq > after_seq, in seq order."""
    rows = (await session.execute(select(OutboxEvent).where(OutboxEvent.user_id == user_id, OutboxEvent.seq > after_seq)
                                  .order_by(OutboxEvent.seq).limit(limit))).scalars()
    return [Event.of(envelope_of(row)) for row in rows]


async def resume_point(session: AsyncSession, user_id: int, last_seq: int) -> tuple[int, int | None]:
    """(latest seq, first retained seq after last_seq or None)."""
    latest = await latest_seq(session, user_id)
    first = (await session.execute(select(func.min(OutboxEvent.seq))
                                   .where(OutboxEvent.user_id == user_id, OutboxEvent.seq > last_seq))).scalar()
    return latest, (int(first) if first is not None else None)


async def live_sessions(session: AsyncSession, session_ids: Iterable[str], now: datetime) -> set[str]:
    """Which of these login sessions are still live (not revoked, not expired, user not banned)."""
    ids = list(session_ids)
    if not ids:
        return set()
    rows = await session.execute(select(AuthSession.id).join(User, User.id == AuthSession.user_id)
                                 .where(AuthSession.id.in_(ids), AuthSession.revoked_at.is_(None),
                                        AuthSession.expires_at > now, User.banned.is_(False)))
    return set(rows.scalars())


async def latest_seqs(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """Latest committed seq of each player."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.event_seq).where(User.id.in_(ids)))
    return {int(uid): int(seq) for uid, seq in rows}
