"""Per-instance cache of live login sessions, cleared on every instance by revocations through the bus.

An authenticated request used to read its session and user rows before its own data; now a hit costs a dict
lookup. Safety rests on three rules:
- Every change that can end a session's validity (logout, logout-all, password change, ending a session,
  refresh-token reuse, ban, role change) notes it on the write's session (`note_revoked`); after the commit,
  and before the request answers, this instance drops the entries and the bus message does the same on every
  other instance, which confirm it (`Bus.publish_control(confirm_s=…)`).
- A fill races a revocation: the generation is read before the database read and the entry is stored only if
  no invalidation happened meanwhile, so a row read before the commit never lands after the invalidation.
- Entries expire after `session_cache_ttl_s` (a backstop for changes made outside the app), the session's own
  expiry is checked on every hit, and the cache is bypassed while the Redis bus is disconnected and cleared
  when it reconnects (messages may have been lost meanwhile).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.bus.base import Bus, BusMessage
from casino_club.bus.redis_bus import REDIS_DOWN, RedisBus
from casino_club.kit.runtime import Runtime, after_commit

log = structlog.get_logger("casino_club.auth")

EXTRAS_KEY = "session_cache"
SESSION_REVOKED = "session_revoked"  # the control message the realtime hub also acts on (closes sockets)
MAX_ENTRIES = 100_000  # past this the cache starts over (one read per live session to refill)
_PENDING = "revoked_sessions"


@dataclass(frozen=True, slots=True)
class LiveSession:
    """What a request needs to know about its login session: whose it is, the role, when it ends."""

    user_id: int
    role: str
    expires_at: datetime
    filled_at: float  # time.monotonic() of the read


@dataclass
class SessionCache:
    """session id → LiveSession for sessions known live (never revoked, expired or banned ones)."""

    ttl_s: float
    bus: Bus | None = None  # None: the cache stays off
    entries: dict[str, LiveSession] = field(default_factory=dict)
    generation: int = 0  # bumped by every invalidation; a fill stores its row only if it is unchanged

    @property
    def usable(self) -> bool:
        """On, and (with Redis) subscribed: otherwise revocations elsewhere could go unheard."""
        if self.bus is None or self.ttl_s <= 0:
            return False
        return not isinstance(self.bus, RedisBus) or self.bus.connected.is_set()

    def get(self, session_id: str) -> LiveSession | None:
        """The cached entry, if usable and younger than the TTL."""
        entry = self.entries.get(session_id)
        if entry is None:
            return None
        if not self.usable or time.monotonic() - entry.filled_at >= self.ttl_s:
            self.entries.pop(session_id, None)
            return None
        return entry

    def fill(self, session_id: str, entry: LiveSession, generation: int) -> None:
        """Store a live session read while the generation was `generation` (dropped if it moved since)."""
        if generation != self.generation or not self.usable:
            return
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[session_id] = entry

    def invalidate(self, session_ids: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
        """Forget these sessions and every session of these users."""
        self.generation += 1
        for session_id in session_ids:
            self.entries.pop(session_id, None)
        users = set(user_ids)
        if users:
            for session_id in [sid for sid, e in self.entries.items() if e.user_id in users]:
                del self.entries[session_id]

    def clear(self) -> None:
        """Forget everything (the bus reconnected: invalidations may have been missed)."""
        self.generation += 1
        self.entries.clear()

    def on_bus_message(self, message: BusMessage) -> None:
        """Bus subscriber: apply another instance's (or this one's) revocation."""
        if message.is_control and message.payload.get("kind") == SESSION_REVOKED:
            self.invalidate(message.payload.get("session_ids") or (), message.payload.get("user_ids") or ())


def session_cache(rt: Runtime) -> SessionCache:
    """This runtime's cache, subscribed to its bus on first use."""
    existing: SessionCache | None = rt.extras.get(EXTRAS_KEY)
    if existing is not None:
        return existing
    from casino_club.realtime.runtime import get_realtime

    settings = rt.settings
    cache = SessionCache(settings.session_cache_ttl_s)
    # Without Redis only a single SQLite instance can hear every revocation (the in-process bus).
    if settings.session_cache_ttl_s > 0 and (rt.redis is not None or settings.is_sqlite):
        bus = get_realtime(rt).bus
        bus.subscribe(cache.on_bus_message, _no_player_events)
        bus.on_reconnect(cache.clear)
        cache.bus = bus
    rt.extras[EXTRAS_KEY] = cache
    return cache


def _no_player_events(_user_id: int) -> bool:
    return False  # the cache only reads control messages


@dataclass
class _Revoked:
    session_ids: set[str] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)


def note_revoked(session: AsyncSession, session_ids: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
    """After this write commits, these sessions (and all sessions of these users) are re-read everywhere."""
    pending: _Revoked | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Revoked()
        after_commit(session, lambda rt: revoked(rt, pending.session_ids, pending.user_ids))
    pending.session_ids.update(session_ids)
    pending.user_ids.update(user_ids)


async def revoked(rt: Runtime, session_ids: Iterable[str], user_ids: Iterable[int] = ()) -> None:
    """Drop the entries here, then on every instance (and close those sessions' sockets), confirmed."""
    sids, uids = sorted(session_ids), sorted(user_ids)
    if not sids and not uids:
        return
    cache = session_cache(rt)
    cache.invalidate(sids, uids)
    from casino_club.realtime.runtime import get_realtime

    message: dict[str, Any] = {"kind": SESSION_REVOKED, "session_ids": sids, "user_ids": uids}
    try:
        await get_realtime(rt).bus.publish_control(message, confirm_s=rt.settings.session_cache_confirm_s)
    except REDIS_DOWN as exc:  # instances that lost Redis bypass their cache; the TTL bounds the rest
        log.warning("session_revoke_publish_failed", error=repr(exc))
