"""Scale-out bench: the app as 1 and as 2 uvicorn processes on PostgreSQL + Redis, same mixed workload.

Each configuration gets a fresh database (seeded catalog), players topped up through the ledger, then a
closed loop of `--concurrency` clients runs for `--duration` seconds against the instances round-robin
(what nginx's balancing does), mixing slot spins, RPS rounds, gold purchases and balance reads, while
`--sockets` realtime WebSockets (spread over the instances) receive the pushed events. Everything runs on
127.0.0.1; the load generator shares the machine's cores with the servers, PostgreSQL and Redis.

    CASINO_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
    CASINO_TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.scale_bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from bench._common import drop_database, fresh_database, require_services, start_servers, stop_servers, summary
from websockets.typing import Origin, Subprotocol

MIX = {"slot": 30, "rps": 25, "buy": 10, "balance": 35}


@dataclass
class Stats:
    """What one configuration measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    push_delays: list[float] = field(default_factory=list)
    ws_events: int = 0
    ws_closed_early: int = 0


async def _prepare_players(bases: list[str], n: int, gold: int, database_url: str) -> list[tuple[int, str]]:
    """Sign up n players (round-robin over instances) and top each up through the ledger."""
    from tests.support.constants import TEST_SECRET
    from tests.support.ledger import fund

    from casino_club.config import Settings
    from casino_club.kit.runtime import Runtime
    from casino_club.wallet.service import System

    players: list[tuple[int, str]] = []
    async with httpx.AsyncClient(timeout=60) as c:
        async def one(i: int) -> None:
            site = f"b{uuid.uuid4().hex[:10]}"
            r = await c.post(bases[i % len(bases)] + "/api/auth/signup",
                             json={"site_id": site, "nickname": site, "password": "password123"})
            r.raise_for_status()
            players.append((r.json()["user"]["id"], r.json()["access_token"]))
        await asyncio.gather(*(one(i) for i in range(n)))
    rt = Runtime.build(Settings(_env_file=None, env="test", database_url=database_url,  # type: ignore[call-arg]
                                secret_key=TEST_SECRET))
    try:
        await fund(rt, {uid: gold for uid, _ in players}, System.PROMOTIONS, "bench_top_up")
    finally:
        await rt.close()
    return players


async def _cheapest_gold_item(base: str, token: str) -> int:
    async with httpx.AsyncClient(timeout=30) as c:
        catalog = (await c.get(base + "/api/shop/catalog", headers={"Authorization": f"Bearer {token}"})).json()
    items = [p for group in catalog.values() if isinstance(group, list) for p in group
             if p.get("currency") == "gold" and p.get("purchasable", True)]
    return min(items, key=lambda p: p["effective_price"])["id"]


async def _socket(url: str, token: str, stats: Stats, stop: asyncio.Event) -> None:
    try:
        async with websockets.connect(url, subprotocols=[Subprotocol("bearer"), Subprotocol(token)],
                                      origin=Origin("http://127.0.0.1:8000"), open_timeout=30,
                                      max_size=2**24) as ws:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
                    continue
                if message.get("seq") is not None:
                    stats.ws_events += 1
                    stats.push_delays.append(now - datetime.fromisoformat(message["ts"]).timestamp())
    except websockets.ConnectionClosed:
        if not stop.is_set():
            stats.ws_closed_early += 1


async def _client(bases: list[str], clients: list[httpx.AsyncClient], players: list[tuple[int, str]], product: int,
                  stats: Stats, deadline: float, rng: random.Random) -> None:
    kinds, weights = list(MIX), list(MIX.values())
    i = rng.randrange(len(bases))
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        _, token = rng.choice(players)
        i = (i + 1) % len(bases)
        c = clients[i]
        headers = {"Authorization": f"Bearer {token}"}
        start = time.perf_counter()
        if kind == "balance":
            r = await c.get("/api/users/balance", headers=headers)
        else:
            headers["Idempotency-Key"] = uuid.uuid4().hex
            path, body = {"slot": ("/api/games/slot/spin", {"bet": 10}),
                          "rps": ("/api/games/rps/play", {"bet": 10, "choice": rng.choice(["rock", "paper", "scissors"])}),
                          "buy": ("/api/shop/buy", {"product_id": product, "quantity": 1})}[kind]
            r = await c.post(path, json=body, headers=headers)
        elapsed = time.perf_counter() - start
        stats.statuses[f"{kind}:{r.status_code}"] += 1
        if r.status_code < 400:
            stats.latencies[kind].append(elapsed)


async def run_load(bases: list[str], players: list[tuple[int, str]], product: int, duration: float,
                   concurrency: int, sockets: int) -> Stats:
    """The closed-loop mixed workload plus realtime sockets; returns what was measured."""
    stats, stop = Stats(), asyncio.Event()
    socket_tasks = [asyncio.create_task(_socket(bases[i % len(bases)].replace("http", "ws") + "/api/realtime/sync",
                                                players[i % len(players)][1], stats, stop))
                    for i in range(sockets)]
    await asyncio.sleep(1.0)  # sockets connected and snapshotted before the clock starts
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpx.AsyncClient(base_url=b, timeout=30, limits=limits) for b in bases]
    try:
        deadline = time.perf_counter() + duration
        await asyncio.gather(*(_client(bases, clients, players, product, stats, deadline, random.Random(k))
                               for k in range(concurrency)))
    finally:
        for c in clients:
            await c.aclose()
        await asyncio.sleep(1.0)  # let the last pushes arrive
        stop.set()
        for t in socket_tasks:
            with contextlib.suppress(Exception):
                await t
    return stats


async def _verify(database_url: str) -> bool:
    from tests.support.constants import TEST_SECRET

    from casino_club.config import Settings
    from casino_club.kit.runtime import Runtime
    from casino_club.wallet.verify import verify_ledger

    rt = Runtime.build(Settings(_env_file=None, env="test", database_url=database_url,  # type: ignore[call-arg]
                                secret_key=TEST_SECRET))
    try:
        async with rt.sessionmaker() as session:
            report = await verify_ledger(session)
        if not report.ok:
            print("LEDGER PROBLEMS:", report.problems[:5])
        return report.ok
    finally:
        await rt.close()


def run_config(instances: int, args: argparse.Namespace, redis_url: str) -> dict:
    """One configuration end to end; returns its summary."""
    url = fresh_database(f"casino_scale{instances}")
    servers = []
    try:
        servers = start_servers(instances, url, redis_url, Path(tempfile.mkdtemp(prefix=f"scale-{instances}-")),
                                seed=True)
        bases = [s.url for s in servers]
        players = asyncio.run(_prepare_players(bases, args.players, 10_000_000, url))
        product = asyncio.run(_cheapest_gold_item(bases[0], players[0][1]))
        stats = asyncio.run(run_load(bases, players, product, args.duration, args.concurrency, args.sockets))
        ledger_ok = asyncio.run(_verify(url))
    finally:
        stop_servers(servers)
        drop_database(url)
    ok = [x for v in stats.latencies.values() for x in v]
    result = {"instances": instances, "ok_requests": len(ok), "throughput_rps": round(len(ok) / args.duration, 1),
              "all": summary(ok), "by_kind": {k: summary(v) for k, v in sorted(stats.latencies.items())},
              "statuses": dict(sorted(stats.statuses.items())), "ws_events": stats.ws_events,
              "ws_push_delay": summary(stats.push_delays), "ws_closed_early": stats.ws_closed_early,
              "ledger_ok": ledger_ok, "loadavg_1m_after": round(os.getloadavg()[0], 2)}
    print(f"{instances} instance(s): {result['throughput_rps']} req/s, p50 {result['all']['p50_ms']} ms, "
          f"p99 {result['all']['p99_ms']} ms, ws events {stats.ws_events} (push p50 "
          f"{result['ws_push_delay']['p50_ms']} ms, p99 {result['ws_push_delay']['p99_ms']} ms), "
          f"ledger ok={ledger_ok}, load average {result['loadavg_1m_after']} on {os.cpu_count()} CPUs", flush=True)
    for kind, s in result["by_kind"].items():
        print(f"    {kind:<8} n={s['n']:<6} p50={s['p50_ms']:>7.2f} ms  p99={s['p99_ms']:>7.2f} ms", flush=True)
    errors = {k: v for k, v in stats.statuses.items() if not k.split(":")[1].startswith("2")}
    if errors:
        print(f"    non-2xx: {errors}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per configuration")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="concurrent HTTP clients (closed loop); each in-flight request holds a database connection")
    parser.add_argument("--players", type=int, default=40)
    parser.add_argument("--sockets", type=int, default=20, help="realtime WebSockets held during the run")
    parser.add_argument("--configs", default="1,2", help="instance counts to run, in order (repeat to gauge noise)")
    args = parser.parse_args()
    _, redis_url = require_services()
    results = [run_config(int(n), args, redis_url) for n in args.configs.split(",")]
    # Repeating configurations (--configs 1,2,1,2) shows how much of a difference is noise.
    by_n: dict[int, list[float]] = defaultdict(list)
    for r in results:
        by_n[r["instances"]].append(r["throughput_rps"])
    if 1 in by_n and 2 in by_n:
        mean = {n: sum(v) / len(v) for n, v in by_n.items()}
        print(f"throughput 2 vs 1 instance: x{mean[2] / mean[1]:.2f} (runs: {dict(by_n)})")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
