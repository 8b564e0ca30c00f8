"""Crash faults: kill -9 one of two instances mid-load, restart it; retries with the same keys settle exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import httpx

from tests.reliability.load import FEATURE_SETTINGS, Effects, MixedLoad, check_exactly_once
from tests.reliability.support import (
    ServerSet,
    Tally,
    admin_at,
    db_scalar,
    gather_limited,
    ledger_verify_cli,
    scale,
    seed_cli,
    shop_setup,
    signup_at,
    wait_outbox_drained,
    wait_settled,
)
from tests.support.databases import REDIS_URL

LOCK_S = 3  # idempotency lease: a key whose request died with its server is free again after this


async def test_kill_9_mid_load_then_restart(pg_url: str, server_set: ServerSet, proved: Callable[..., None]) -> None:
    players_n, ops, kills = scale(10, 40), scale(25, 40), scale(1, 4)
    prefix = f"casino-rel:{time.time_ns()}:"
    await asyncio.to_thread(seed_cli, pg_url)
    stock = max(2, players_n // 3)
    products, limited = await shop_setup(pg_url, limited_stock=stock)
    # The instance that dies leaves every gold-pack purchase pending, so it certainly dies holding some.
    servers = [server_set.make(pg_url, REDIS_URL, name=f"api{i}", redis_prefix=prefix,
                               idempotency_lock_s=str(LOCK_S), **{**FEATURE_SETTINGS, "payment_mode": mode})
               for i, mode in enumerate(("pending", "random"))]
    await asyncio.gather(*(server_set.start(s) for s in servers))
    alive = {s.url for s in servers}
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, connect=2),
                                 limits=httpx.Limits(max_connections=200)) as client:
        admin = await admin_at(client, servers[0].url, pg_url)
        players = await gather_limited((signup_at(client, servers[i % 2].url) for i in range(players_n)), 8)
        tally, effects = Tally(), Effects()
        load = MixedLoad(client, lambda: sorted(alive), admin, players, tally, effects)
        load.enable_features(products, limited, stock)
        task = asyncio.gather(*(load.player_session(p, ops) for p in players))
        open_at_kill = pending_at_kill = 0
        victim = servers[0]
        on_victim = MixedLoad(client, lambda: [victim.url], admin, players, tally, effects)
        on_victim.enable_features(products, limited, stock)
        for _ in range(kills):
            await asyncio.sleep(random.uniform(0.8, 1.5))
            # Work the dead instance must leave behind: crash rounds in flight and purchases awaiting payment.
            await asyncio.gather(*(on_victim.crash(p, auto=3.0, cashout=False) for p in players[:3]),
                                 *(on_victim.buy(p, products[-1]) for p in players[3:6]))
            alive.discard(victim.url)
            running_at_kill = not task.done()
            victim.kill()
            open_at_kill += await db_scalar(pg_url, "SELECT count(*) FROM game_rounds WHERE status = 'open'")
            pending_at_kill += await db_scalar(pg_url, "SELECT count(*) FROM shop_transactions "
                                                       "WHERE status = 'pending'")
            await asyncio.sleep(0.5)
            await server_set.start(victim)
            alive.add(victim.url)
            assert running_at_kill, "the load must still be running when the instance dies"
        await task

    # Crash rounds left open and purchases left pending by the dead instance are settled by the survivors' jobs.
    left = await wait_settled(pg_url)
    assert left == (0, 0), f"open crash rounds / pending purchases left after the restart: {left}"
    unpublished = await wait_outbox_drained(pg_url)
    assert unpublished == 0, f"{unpublished} outbox events never published"
    assert open_at_kill > 0 and pending_at_kill > 0, "the kill must leave open rounds and pending purchases"
    assert tally.fivexx == 0, tally.server_errors[:5]
    assert tally.transport_errors > 0, "the kill must have cut requests off mid-flight"
    counted = await check_exactly_once(pg_url, effects, players)
    stuck = await db_scalar(pg_url, "SELECT count(*) FROM idempotency_keys WHERE state = 'in_flight'")
    assert stuck == 0, f"{stuck} idempotency keys left in flight after every client got its answer"
    code, output = await asyncio.to_thread(ledger_verify_cli, pg_url)
    assert code == 0, output
    proved("kill -9 mid-load", kills=kills, open_rounds_at_kill=open_at_kill, pending_purchases_at_kill=pending_at_kill, requests=tally.requests, transport_errors=tally.transport_errors,
           in_flight_409=tally.codes["IDEMPOTENCY_IN_FLIGHT"], replays=tally.replays, **counted,
           keys_left_in_flight=stuck, outbox_unpublished=unpublished, unavailable_503_retried=tally.unavailable, ledger_verify_exit=code)
