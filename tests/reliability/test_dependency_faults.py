"""Dependency faults: Redis stopped mid-load (private redis-server) and PostgreSQL restarted (private cluster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.load import Effects, MixedLoad, check_exactly_once
from tests.reliability.private_services import PrivateRedis
from tests.reliability.support import (
    ServerSet,
    Tally,
    admin_at,
    auth,
    gather_limited,
    ledger_verify_cli,
    scale,
    signup_at,
    wait_status,
)


async def _ready(client: httpx.AsyncClient, base: str) -> tuple[int, dict]:
    response = await client.get(base + "/ready")
    return response.status_code, response.json()


async def _load_for(load: MixedLoad, players: list, seconds: float) -> None:
    deadline = time.monotonic() + seconds

    async def one(p) -> None:  # type: ignore[no-untyped-def]
        while time.monotonic() < deadline:
            await load.player_session(p, 1)
    await asyncio.gather(*(one(p) for p in players))


async def test_redis_stopped_mid_load_app_degrades_without_5xx(pg_url: str, server_set: ServerSet, tmp_path: Path,
                                                               proved: Callable[..., None]) -> None:
    if PrivateRedis.available() is None:
        pytest.skip("redis-server not installed: cannot run a private Redis to stop")
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        servers = [server_set.make(pg_url, redis.url, name=f"api{i}") for i in range(2)]
        await asyncio.gather(*(server_set.start(s) for s in servers))
        bases = [s.url for s in servers]
        phase = scale(2, 10)
        async with httpx.AsyncClient(timeout=30) as client:
            admin = await admin_at(client, bases[0], pg_url)
            players = await gather_limited((signup_at(client, bases[i % 2]) for i in range(scale(8, 30))), 8)
            leaving = await signup_at(client, bases[0])
            tally, effects = Tally(), Effects()
            load = MixedLoad(client, lambda: bases, admin, players, tally, effects)
            await _load_for(load, players, phase)
            assert (await _ready(client, bases[0]))[0] == 200
            before_outage = tally.requests

            redis.stop()
            status, body = await _ready(client, bases[1])
            assert status == 503 and body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"]
            await _load_for(load, players, phase)
            during = tally.requests - before_outage
            # Logout while Redis is down still ends the session (the session row is the truth), everywhere.
            assert (await client.post(bases[0] + "/api/auth/logout", headers=auth(leaving))).status_code == 204
            for base in bases:
                assert (await client.get(base + "/api/auth/me", headers=auth(leaving))).status_code == 401

            redis.start()
            for base in bases:
                assert await wait_status(client, base + "/ready", 200) == 200
            after_start = tally.requests
            await _load_for(load, players, phase)
            after = tally.requests - after_start
            for base in bases:
                assert (await client.get(base + "/api/auth/me", headers=auth(leaving))).status_code == 401
    finally:
        redis.stop()

    assert tally.fivexx == 0, tally.server_errors[:5]
    counted = await check_exactly_once(pg_url, effects, players)
    code, output = await asyncio.to_thread(ledger_verify_cli, pg_url)
    assert code == 0, output
    warnings = server_set.count_in_logs("kv_unavailable")
    proved("redis stopped mid-load", requests_before=before_outage, requests_during_outage=during,
           requests_after_recovery=after, server_5xx=0, kv_degraded_warnings=warnings, **counted,
           ledger_verify_exit=code)
