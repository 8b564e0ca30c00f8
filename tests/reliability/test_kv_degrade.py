"""The KV layer degrades instead of failing when Redis is unreachable, and re-syncs revocations when it is back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from casino_club.kit.errors import DomainError
from casino_club.kit.kv import RedisKV
from casino_club.kit.ratelimit import enforce
from tests.reliability.private_services import PrivateRedis
from tests.support.servers import free_port


async def test_redis_kv_fails_over_to_memory_and_resyncs_flags(tmp_path: Path, proved: Callable[..., None]) -> None:
    if PrivateRedis.available() is None:
        pytest.skip("redis-server not installed")
    redis_server = PrivateRedis(tmp_path, port=free_port())  # not started yet: Redis is down
    client = Redis.from_url(redis_server.url)
    kv = RedisKV(client, "t:", cooldown_s=0.0)
    try:
        # Down: every call answers from memory, nothing raises.
        assert await kv.hit("a", 60) == (1, 60)
        assert (await kv.hit("a", 60))[0] == 2 and (await kv.count("a"))[0] == 2 and kv.degraded
        limited = 0
        for _ in range(5):
            try:
                await enforce(kv, "login", 3, 60)
            except DomainError as exc:
                assert exc.status == 429
                limited += 1
        assert limited == 2, "rate limits still apply (per instance) while Redis is down"
        await kv.flag("jti:revoked", 300)
        assert await kv.has_flag("jti:revoked") and not await kv.has_flag("jti:other")
        # Back: the revocation made during the outage reaches Redis (so every instance honours it).
        redis_server.start()
        assert not await kv.has_flag("jti:other") and not kv.degraded
        assert await client.exists("t:jti:revoked") == 1
        ttl = await client.ttl("t:jti:revoked")
        assert 0 < ttl <= 300
        assert await kv.hit("b", 60) == (1, 60) and await client.get("t:b") == b"1"
    finally:
        await client.aclose()
        redis_server.stop()
    proved("kv degrade", calls_while_down=11, rate_limited_while_down=limited, flags_resynced=1, server_5xx=0)
