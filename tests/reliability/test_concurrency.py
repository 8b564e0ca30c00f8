"""Concurrency on PostgreSQL through real HTTP: mixed load, repeated keys, two instances; exactly one effect."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from tests.reliability.load import FEATURE_SETTINGS, Effects, MixedLoad, check_exactly_once
from tests.reliability.support import (
    ServerSet,
    Tally,
    admin_at,
    gather_limited,
    ledger_verify_cli,
    scale,
    seed_cli,
    shop_setup,
    signup_at,
    wait_settled,
)
from tests.support.databases import REDIS_URL


async def test_mixed_load_two_instances_exactly_once(pg_url: str, server_set: ServerSet,
                                                     proved: Callable[..., None]) -> None:
    players_n, ops = scale(10, 60), scale(10, 40)
    redis_prefix = f"casino-rel:{time.time_ns()}:"
    await asyncio.to_thread(seed_cli, pg_url)  # catalog: products and the limited package
    stock = max(2, players_n // 3)
    products, limited = await shop_setup(pg_url, limited_stock=stock)
    servers = [server_set.make(pg_url, REDIS_URL, name=f"api{i}", redis_prefix=redis_prefix, **FEATURE_SETTINGS)
               for i in range(2)]
    await asyncio.gather(*(server_set.start(s) for s in servers))
    bases = [s.url for s in servers]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        admin = await admin_at(client, bases[0], pg_url)
        players = await gather_limited((signup_at(client, bases[i % 2]) for i in range(players_n)), 8)
        tally, effects = Tally(), Effects()
        load = MixedLoad(client, lambda: bases, admin, players, tally, effects)
        load.enable_features(products, limited, stock)
        started = time.monotonic()
        await asyncio.gather(*(load.player_session(p, ops) for p in players))
        elapsed = time.monotonic() - started

    settle_started = time.monotonic()
    left = await wait_settled(pg_url)
    settle_s = round(time.monotonic() - settle_started, 1)
    assert left == (0, 0), f"open crash rounds / pending purchases left: {left}"
    assert tally.fivexx == 0, tally.server_errors[:5]
    counted = await check_exactly_once(pg_url, effects, players)
    code, output = await asyncio.to_thread(ledger_verify_cli, pg_url)
    assert code == 0, output
    assert tally.replays > 0, "repeated keys must have produced replays"
    proved("mixed load on 2 instances", players=players_n, requests=tally.requests, seconds=round(elapsed, 1), settle_wait_s=settle_s,
           replays=tally.replays, in_flight_409=tally.codes["IDEMPOTENCY_IN_FLIGHT"],
           insufficient_gold=tally.codes["INSUFFICIENT_GOLD"], **counted, unavailable_503_retried=tally.unavailable, ledger_verify_exit=code, server_5xx=0)
