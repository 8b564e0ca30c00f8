"""Small key-value interface for rate limits and the token blacklist: Redis when configured, else memory."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


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


class RedisKV:
    """Redis-backed KV so limits and revocations hold across every instance."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        k = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(k)
            pipe.expire(k, window_s, nx=True)
            pipe.ttl(k)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def count(self, key: str) -> tuple[int, int]:
        k = self.prefix + key
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(k)
            pipe.ttl(k)
            value, ttl = await pipe.execute()
        return int(value or 0), max(0, int(ttl))

    async def reset(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)

    async def flag(self, key: str, ttl_s: int) -> None:
        await self.redis.set(self.prefix + key, 1, ex=max(1, ttl_s))

    async def has_flag(self, key: str) -> bool:
        return bool(await self.redis.exists(self.prefix + key))
