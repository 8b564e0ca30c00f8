"""Fixed-window rate limits on the shared KV (Redis across instances, memory when embedded)."""

from __future__ import annotations

from casino_club.kit.errors import rate_limited
from casino_club.kit.kv import KV


async def enforce(kv: KV, key: str, limit: int, window_s: int) -> None:
    """Count one hit; past `limit` in the window raise 429 with Retry-After."""
    count, retry_after = await kv.hit(f"rl:{key}", window_s)
    if count > limit:
        raise rate_limited(retry_after)
