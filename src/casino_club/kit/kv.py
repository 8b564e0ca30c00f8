"""Small key-value interface for rate limits and the token blacklist: Redis when configured, else memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeout

from casino_club.kit.kv_hits import HitPipeline

log = structlog.get_logger("casino_club.kv")
T = TypeVar("T")


class KV(Protocol):
    """Counters and flags with expiry, shared across instances when backed by Redis."""

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        """Count one event in a fixed window; returns (count, seconds until the window resets)."""
        ...

    async def count(self, key: str) -> tuple[int, int]:
        """Current count and seconds left in the window, without counting."""
        ...

    async def reset(self, key: str) -> None:
        """Forget a counter or flag."""
        ...

    async def flag(self, key: str, ttl_s: int) -> None:
        """Set a flag that expires."""
        ...

    async def has_flag(self, key: str) -> bool:
        """Whether a flag is set and not expired."""
        ...


class MemoryKV:
    """In-process KV for the single-instance embedded mode."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[int, float]] = {}

    def _live(self, key: str) -> tuple[int, float] | None:
        item = self._data.get(key)
        if item and item[1] <= time.monotonic():
            self._data.pop(key, None)
            return None
        return item

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        item = self._live(key)
        now = time.monotonic()
        count, expires = (item[0] + 1, item[1]) if item else (1, now + window_s)
        self._data[key] = (count, expires)
        return count, max(1, int(expires - now + 0.999))

    async def count(self, key: str) -> tuple[int, int]:
        item = self._live(key)
        if not item:
            return 0, 0
        return item[0], max(1, int(item[1] - time.monotonic() + 0.999))

    async def reset(self, key: str) -> None:
        self._data.pop(key, None)

    async def flag(self, key: str, ttl_s: int) -> None:
        self._data[key] = (1, time.monotonic() + max(1, ttl_s))

    async def has_flag(self, key: str) -> bool:
        return self._live(key) is not None


# Errors meaning "the KV store is unreachable or misbehaving right now".
KV_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


# Fixed-window counter: count one hit and make sure the window expires (also if an earlier EXPIRE was lost).
_HIT_LUA = """
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[i])
    ttl = tonumber(ARGV[i])
  end
  out[i] = {count, ttl}
end
return out
"""


class RedisKV:
    """Redis-backed KV so limits and revocations hold across every instance.

    Redis is an accelerator here, not the source of truth, so an outage must not turn requests into 500s:
    every call fails over to an in-process MemoryKV (rate limits become per-instance, flags set during the
    outage are honoured by this instance and copied to Redis when it is back). A circuit breaker skips Redis
    for `cooldown_s` after a failure so requests do not each wait on a dead connection. Revocation stays
    safe while degraded: logout also revokes the session row in the database, which every request checks.
    """

    def __init__(self, redis: Redis, prefix: str, *, op_timeout_s: float = 0.5, cooldown_s: float = 1.0) -> None:
        self.redis = redis
        self.prefix = prefix
        self.op_timeout_s = op_timeout_s
        self.cooldown_s = cooldown_s
        self.fallback = MemoryKV()
        self._open_until = 0.0  # circuit open (Redis skipped) until this monotonic time
        self._degraded = False
        self._unsynced_flags: dict[str, float] = {}  # flags set while degraded: key -> monotonic expiry
        self._hits = HitPipeline(redis, _HIT_LUA, op_timeout_s)

    @property
    def degraded(self) -> bool:
        """Whether the last Redis call failed (calls are being served from memory)."""
        return self._degraded

    async def _call(self, op: Callable[[], Awaitable[T]]) -> T | _Down:
        if time.monotonic() < self._open_until:
            return DOWN
        try:
            try:
                async with asyncio.timeout(self.op_timeout_s):
                    result = await op()
            except KV_DOWN as first:
                # One immediate retry: after a Redis restart each pooled connection fails once (stale socket).
                # Not after a timeout: the command may have run (a counter hit would then count twice).
                if self._degraded or isinstance(first, (TimeoutError, RedisTimeout)):
                    raise
                async with asyncio.timeout(self.op_timeout_s):
                    result = await op()
        except KV_DOWN as exc:
            self._open_until = time.monotonic() + self.cooldown_s
            if not self._degraded:
                self._degraded = True
                log.warning("kv_unavailable", error=repr(exc), fallback="in-process", cooldown_s=self.cooldown_s)
            return DOWN
        if self._degraded:
            self._degraded = False
            log.info("kv_recovered", unsynced_flags=len(self._unsynced_flags))
            await self._sync_flags()
        return result

    async def _sync_flags(self) -> None:
        now = time.monotonic()
        pending, self._unsynced_flags = self._unsynced_flags, {}
        for key, expires in pending.items():
            if expires > now:
                await self.flag(key, int(expires - now + 0.999))

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        k = self.prefix + key

        async def op() -> tuple[int, int]:
            # One atomic script call (not a MULTI), pipelined with the other hits of this loop pass.
            return await self._hits.hit(k, window_s)
        result = await self._call(op)
        return await self.fallback.hit(key, window_s) if isinstance(result, _Down) else result

    async def count(self, key: str) -> tuple[int, int]:
        k = self.prefix + key

        async def op() -> tuple[int, int]:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(k)
                pipe.ttl(k)
                value, ttl = await pipe.execute()
            return int(value or 0), max(0, int(ttl))
        result = await self._call(op)
        local = await self.fallback.count(key)
        if isinstance(result, _Down):
            return local
        return max(result, local)  # failures counted in memory during an outage still count

    async def reset(self, key: str) -> None:
        await self.fallback.reset(key)
        await self._call(lambda: self.redis.delete(self.prefix + key))

    async def flag(self, key: str, ttl_s: int) -> None:
        ttl = max(1, ttl_s)
        result = await self._call(lambda: self.redis.set(self.prefix + key, 1, ex=ttl))
        if isinstance(result, _Down):
            await self.fallback.flag(key, ttl)
            self._unsynced_flags[key] = time.monotonic() + ttl

    async def has_flag(self, key: str) -> bool:
        if await self.fallback.has_flag(key):
            return True
        result = await self._call(lambda: self.redis.exists(self.prefix + key))
        return False if isinstance(result, _Down) else bool(result)


class _Down:
    """Marker: the KV store did not answer."""


DOWN = _Down()
