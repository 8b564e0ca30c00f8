"""Dependency faults: Redis stopped mid-load (private redis-server) and PostgreSQL restarted (private cluster)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.load import FEATURE_SETTINGS, Effects, MixedLoad, check_exactly_once
from tests.reliability.private_services import PrivatePostgres, PrivateRedis
from tests.reliability.support import (
    ServerSet,
    Tally,
    admin_at,
    auth,
    db_scalar,
    gather_limited,
    ledger_verify_cli,
    new_key,
    scale,
    seed_cli,
    shop_setup,
    signup_at,
    wait_settled,
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
        await asyncio.to_thread(seed_cli, pg_url)
        stock = 3
        products, limited = await shop_setup(pg_url, limited_stock=stock)
        servers = [server_set.make(pg_url, redis.url, name=f"api{i}", **FEATURE_SETTINGS) for i in range(2)]
        await asyncio.gather(*(server_set.start(s) for s in servers))
        bases = [s.url for s in servers]
        phase = scale(2, 10)
        async with httpx.AsyncClient(timeout=30) as client:
            admin = await admin_at(client, bases[0], pg_url)
            players = await gather_limited((signup_at(client, bases[i % 2]) for i in range(scale(8, 30))), 8)
            leaving = await signup_at(client, bases[0])
            tally, effects = Tally(), Effects()
            load = MixedLoad(client, lambda: bases, admin, players, tally, effects)
            load.enable_features(products, limited, stock)  # gameplay and purchases must keep working too
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

    assert await wait_settled(pg_url) == (0, 0)
    assert tally.fivexx == 0, tally.server_errors[:5]
    counted = await check_exactly_once(pg_url, effects, players)
    code, output = await asyncio.to_thread(ledger_verify_cli, pg_url)
    assert code == 0, output
    warnings = server_set.count_in_logs("kv_unavailable")
    assert warnings >= 1, "the instances never noticed Redis was gone"
    proved("redis stopped mid-load", requests_before=before_outage, requests_during_outage=during,
           requests_after_recovery=after, server_5xx=0, kv_degraded_warnings=warnings, **counted,
           unavailable_503_retried=tally.unavailable, ledger_verify_exit=code)


async def test_postgres_restart_app_reconnects_and_ready_reflects_outage(server_set: ServerSet,
                                                                        proved: Callable[..., None]) -> None:
    reason = PrivatePostgres.why_unavailable()
    if reason:
        pytest.skip(f"private PostgreSQL cluster impossible here: {reason}")
    from casino_club.migrate import upgrade

    pg = PrivatePostgres()
    try:
        await asyncio.to_thread(pg.init)
        await asyncio.to_thread(upgrade, pg.url)
        server = server_set.make(pg.url, None, name="api-pg")
        await server_set.start(server)
        base = server.url
        outage_statuses: Counter[int] = Counter()
        async with httpx.AsyncClient(timeout=30) as client:
            admin = await admin_at(client, base, pg.url)
            players = await gather_limited((signup_at(client, base) for _ in range(scale(4, 12))), 4)
            tally, effects = Tally(), Effects()
            load = MixedLoad(client, lambda: [base], admin, players, tally, effects)
            await _load_for(load, players, scale(1, 5))
            assert (await _ready(client, base))[0] == 200

            await asyncio.to_thread(pg.stop, "immediate")
            status, body = await _ready(client, base)
            assert status == 503 and body["checks"]["database"]["ok"] is False, body
            for player in players:
                for path in ("/api/users/balance", "/api/auth/me"):
                    outage_statuses[(await client.get(base + path, headers=auth(player))).status_code] += 1
                grant = await client.post(f"{base}/api/admin/users/{player.user_id}/gold/grant",
                                          json={"amount": 5, "reason": "during outage"}, headers=auth(admin, "k"))
                outage_statuses[grant.status_code] += 1

            await asyncio.to_thread(pg.start)
            assert await wait_status(client, base + "/ready", 200) == 200
            before = tally.requests
            await _load_for(load, players, scale(1, 5))
            after = tally.requests - before
            assert server.process is not None and server.process.poll() is None, "the app was never restarted"
        assert tally.fivexx == 0, tally.server_errors[:5]
        assert set(outage_statuses) == {503}, f"during the outage every API call must be 503: {outage_statuses}"
        counted = await check_exactly_once(pg.url, effects, players)
        code, output = await asyncio.to_thread(ledger_verify_cli, pg.url)
        assert code == 0, output
    finally:
        server_set.stop_all()
        await asyncio.to_thread(pg.destroy)
    proved("postgres restart", outage_requests=sum(outage_statuses.values()), outage_503=outage_statuses[503],
           requests_after_restart=after, app_restarts=0, server_5xx_outside_outage=0, **counted,
           ledger_verify_exit=code)


async def test_realtime_across_instances_degrades_then_recovers_with_redis(pg_url: str, server_set: ServerSet,
                                                                          tmp_path: Path,
                                                                          proved: Callable[..., None]) -> None:
    if PrivateRedis.available() is None:
        pytest.skip("redis-server not installed: cannot run a private Redis to stop")
    import json

    from websockets.asyncio.client import connect

    redis = PrivateRedis(tmp_path)
    redis.start()
    received: list[int] = []
    try:
        a, b = (server_set.make(pg_url, redis.url, name=f"rt{i}") for i in range(2))
        await asyncio.gather(server_set.start(a), server_set.start(b))
        async with httpx.AsyncClient(timeout=30) as client:
            admin = await admin_at(client, a.url, pg_url)
            player = await signup_at(client, a.url)

            async def grant() -> None:
                r = await client.post(f"{a.url}/api/admin/users/{player.user_id}/gold/grant",
                                      json={"amount": 1, "reason": "realtime"}, headers=auth(admin, new_key()))
                assert r.status_code == 200, r.text

            async def max_seq() -> int:
                return await db_scalar(pg_url, "SELECT coalesce(max(seq), 0) FROM outbox_events WHERE user_id = :u",
                                       u=player.user_id)

            # The socket lives on instance B; every write happens on instance A: delivery crosses the bus.
            ws_url = b.url.replace("http://", "ws://") + f"/api/realtime/sync?token={player.access_token}"
            async with connect(ws_url, ping_interval=None) as ws:
                last = None

                async def drain_until(target: int, within_s: float) -> int | None:
                    nonlocal last
                    try:
                        async with asyncio.timeout(within_s):
                            while last is None or last < target:
                                message = json.loads(await ws.recv())
                                if message.get("type") == "snapshot":
                                    last = message["data"].get("seq", last) if last is None else last
                                elif message.get("seq") is not None:
                                    first = message["data"].get("coalesced_from") or message["seq"]
                                    if last is not None:
                                        assert first == last + 1, f"gap or duplicate: {first} after {last}"
                                    received.append(message["seq"])
                                    last = message["seq"]
                    except TimeoutError:
                        pass
                    return last

                await drain_until(await max_seq(), 10)
                await grant()
                assert await drain_until(await max_seq(), 10) == await max_seq(), "live delivery across instances"
                up_delivered = len(received)

                redis.stop()
                for _ in range(3):
                    await grant()  # Redis down: writes still succeed (no 5xx), delivery to B may stall
                await drain_until(await max_seq(), 2)
                during = len(received)

                redis.start()
                target = await max_seq()
                assert await drain_until(target, 30) == target, "events missed during the outage never arrived"
    finally:
        redis.stop()
    assert received == sorted(set(received)), "duplicates or reordering on the socket"
    proved("realtime across instances with Redis stopped", delivered_while_up=up_delivered,
           writes_during_outage=3, delivered_by_outage_end=during, delivered_total=len(received),
           gaps=0, duplicates=0)
