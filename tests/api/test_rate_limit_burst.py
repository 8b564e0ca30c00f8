"""Rate-limit hits under load: every hit counted once in Redis, pipelined or not, even after a script flush."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from casino_club.kit.runtime import Runtime
from tests.support.api import signup

LIMIT = 240
BURST = 300  # more concurrent Redis calls than the pool's 100 connections


@pytest.fixture(params=["pg"])
def backend(request: pytest.FixtureRequest) -> str:
    """Redis only: the embedded default counts in memory."""
    return request.param


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"write_rate_limit": LIMIT}


async def test_the_write_limit_holds_exactly_under_a_burst_wider_than_the_pool(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    responses = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(BURST)])
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 409, 429}, [r.text for r in responses if r.status_code not in (200, 409, 429)][:3]
    # Every hit reached Redis: had the pool overflowed, the overflow would have been counted in a separate
    # in-process window and fewer requests refused.
    assert codes.count(429) == BURST - LIMIT
    assert codes.count(200) + codes.count(409) == LIMIT  # 409: INSUFFICIENT_GOLD once the gold has run out


async def test_the_limit_still_holds_after_redis_forgets_its_scripts(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    first = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(40)])
    assert rt.redis is not None
    await rt.redis.script_flush()  # as after a Redis restart: the pipelined EVALSHA calls get NOSCRIPT
    rest = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(BURST - 40)])
    codes = [r.status_code for r in [*first, *rest]]
    assert set(codes) <= {200, 409, 429}
    assert codes.count(429) == BURST - LIMIT  # a hit redone after NOSCRIPT is still counted exactly once
