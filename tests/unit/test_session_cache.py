"""The session cache's own rules: a fill that raced an invalidation is dropped, entries age out, a deaf bus disables it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from casino_club.auth.session_cache import SESSION_REVOKED, LiveSession, SessionCache
from casino_club.bus.base import BusMessage, LocalBus
from casino_club.bus.redis_bus import RedisBus


def _entry(user_id: int = 7) -> LiveSession:
    return LiveSession(user_id, "user", datetime.now(UTC) + timedelta(days=1), time.monotonic())


def test_a_fill_read_before_an_invalidation_is_not_stored() -> None:
    cache = SessionCache(5.0, LocalBus())
    before = cache.generation  # a request reads the row...
    cache.invalidate(["s1"])  # ...while a revocation of that session commits
    cache.fill("s1", _entry(), before)
    assert cache.get("s1") is None
    cache.fill("s1", _entry(), cache.generation)
    assert cache.get("s1") is not None


def test_invalidation_by_session_by_user_and_by_bus_message() -> None:
    cache = SessionCache(5.0, LocalBus())
    for sid, uid in (("a", 1), ("b", 1), ("c", 2)):
        cache.fill(sid, _entry(uid), cache.generation)
    cache.invalidate(user_ids=[1])
    assert cache.get("a") is None and cache.get("b") is None and cache.get("c") is not None
    cache.on_bus_message(BusMessage(None, {"kind": SESSION_REVOKED, "session_ids": ["c"], "user_ids": []}))
    assert cache.get("c") is None
    cache.fill("d", _entry(3), cache.generation)
    cache.on_bus_message(BusMessage(3, {"kind": SESSION_REVOKED, "session_ids": ["d"]}))  # a player event: ignored
    assert cache.get("d") is not None


def test_entries_age_out_and_an_unsubscribed_bus_turns_the_cache_off() -> None:
    cache = SessionCache(0.05, LocalBus())
    cache.fill("s", _entry(), cache.generation)
    assert cache.get("s") is not None
    time.sleep(0.06)
    assert cache.get("s") is None
    deaf = SessionCache(5.0, RedisBus(Redis(), "unused"))  # never connected: revocations could go unheard
    deaf.fill("s", _entry(), deaf.generation)
    assert deaf.get("s") is None
    assert SessionCache(5.0, None).usable is False and SessionCache(0, LocalBus()).usable is False
