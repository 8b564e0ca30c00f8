"""History page latency at 10^4 vs 10^6 rows: `/api/actions/recent` and `/api/games/history` on PostgreSQL.

Rows are bulk-inserted with SQL (half for the measured player, half spread over filler players, interleaved
like real traffic), then the same page walk (first page + 9 cursor pages, limit 20) is timed against one
`casino-club serve` process. Keyset pagination over (user_id, id) indexes should make the ratio ~1.

    CASINO_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
    CASINO_TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.history_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench._common import drop_database, fresh_database, require_services, start_servers, stop_servers, summary
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

FILLERS = 100
ENDPOINTS = ("/api/actions/recent", "/api/games/history")


async def _sql(url: str, statements: list[tuple[str, dict]]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


def prepare(url: str, target: int) -> None:
    """Filler players with a seed pair each."""
    asyncio.run(_sql(url, [
        ("""INSERT INTO users (site_id, site_id_lower, nickname, nickname_lower, password_hash, role, rank, xp,
                               vip_points, event_seq, banned, totp_enabled, created_at, updated_at)
            SELECT 'filler' || g, 'filler' || g, 'Filler' || g, 'filler' || g, 'x', 'user', 'STANDARD', 0, 0, 0,
                   false, false, now(), now() FROM generate_series(1, CAST(:n AS int)) g""", {"n": FILLERS}),
        ("""INSERT INTO fairness_seed_pairs (user_id, active_user_id, server_seed, server_seed_hash, client_seed,
                                            next_nonce, created_at)
            SELECT id, id, md5(id::text) || md5(id::text), md5('h' || id) || md5('h' || id), 'bench', 0, now()
            FROM users WHERE site_id LIKE 'filler%'""", {}),
    ]))


def fill(url: str, target: int, target_pair: int, start: int, stop: int) -> None:
    """Insert rows start..stop-1 into user_actions and game_rounds (even g: the target player)."""
    fillers = """WITH f AS (SELECT row_number() OVER (ORDER BY u.id) - 1 AS idx, u.id AS uid, p.id AS pid
                            FROM users u JOIN fairness_seed_pairs p ON p.user_id = u.id
                            WHERE u.site_id LIKE 'filler%')"""
    params = {"t": target, "tp": target_pair, "a": start, "b": stop - 1, "nf": FILLERS}
    who = "CASE WHEN g % 2 = 0 THEN CAST(:t AS bigint) ELSE f.uid END"
    asyncio.run(_sql(url, [
        (f"""{fillers}
            INSERT INTO user_actions (user_id, kind, reference, data, created_at)
            SELECT {who}, 'game', 'round:' || g, json_build_object('game', 'slot', 'bet', 10, 'payout', g % 3 * 10),
                   now() - make_interval(secs => CAST(:b AS bigint) - g)
            FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) g JOIN f ON f.idx = g % CAST(:nf AS bigint)""", params),
        (f"""{fillers}
            INSERT INTO game_rounds (user_id, game, stake, payout, result, status, params, outcome, seed_pair_id,
                                     server_seed_hash, client_seed, nonce, created_at, settled_at)
            SELECT {who}, (ARRAY['slot', 'rps', 'gacha'])[g % 3 + 1], 10, g % 3 * 10,
                   (ARRAY['lose', 'win', 'draw'])[g % 3 + 1], 'settled', json_build_object('bet', 10),
                   json_build_object('reels', json_build_array('7', '7', '7')),
                   CASE WHEN g % 2 = 0 THEN CAST(:tp AS bigint) ELSE f.pid END, md5(g::text) || md5(g::text), 'bench', g,
                   now() - make_interval(secs => CAST(:b AS bigint) - g), now() - make_interval(secs => CAST(:b AS bigint) - g)
            FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) g JOIN f ON f.idx = g % CAST(:nf AS bigint)""", params),
    ]))
    engine_url = url

    async def analyze() -> None:
        engine = create_async_engine(engine_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE user_actions"))
                await conn.execute(text("ANALYZE game_rounds"))
        finally:
            await engine.dispose()

    asyncio.run(analyze())


def walk(client: httpx.Client, path: str, auth: dict[str, str], pages: int) -> list[float]:
    """Latencies of the first page and the next pages-1 cursor pages."""
    out, cursor = [], None
    for _ in range(pages):
        params = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        start = time.perf_counter()
        r = client.get(path, params=params, headers=auth)
        out.append(time.perf_counter() - start)
        r.raise_for_status()
        body = r.json()
        assert len(body["items"]) == 20, body
        cursor = body["next_cursor"]
    return out


def measure(base: str, auth: dict[str, str], walks: int, pages: int) -> dict[str, dict[str, float]]:
    """p50/p99 of page requests per endpoint (after a warm-up walk)."""
    result = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in ENDPOINTS:
            walk(client, path, auth, pages)  # warm-up: connections, plans, caches
            times: list[float] = []
            for _ in range(walks):
                times += walk(client, path, auth, pages)
            result[path] = summary(times)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000, help="rows per table in the small run")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows per table in the large run")
    parser.add_argument("--walks", type=int, default=30, help="page walks per endpoint and size")
    parser.add_argument("--pages", type=int, default=10, help="pages per walk (first page + cursor pages)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    _, redis_url = require_services()
    url = fresh_database("casino_hist")
    servers = []
    try:
        servers = start_servers(1, url, redis_url, Path(tempfile.mkdtemp(prefix="history-bench-")))
        base = servers[0].url
        signed = httpx.post(base + "/api/auth/signup", json={"site_id": "benchuser", "nickname": "benchuser",
                                                            "password": "password123"}, timeout=30).json()
        auth = {"Authorization": f"Bearer {signed['access_token']}"}
        first = httpx.post(base + "/api/games/rps/play", json={"bet": 10, "choice": "rock"},
                           headers={**auth, "Idempotency-Key": "bench-first"}, timeout=30).json()
        target_pair = first["fairness"]["seed_pair_id"]
        target = signed["user"]["id"]
        prepare(url, target)
        results = {}
        done = 0
        for size in (args.small, args.large):
            t0 = time.perf_counter()
            fill(url, target, target_pair, done + 1, size + 1)
            done = size
            print(f"filled {size:>9,} rows per table in {time.perf_counter() - t0:.1f}s", flush=True)
            results[size] = measure(base, auth, args.walks, args.pages)
            for path, s in results[size].items():
                print(f"  {path:<22} n={s['n']:<4} p50={s['p50_ms']:>7.2f} ms  p99={s['p99_ms']:>7.2f} ms", flush=True)
        print("ratio large/small:")
        report: dict[str, Any] = {"rows": [args.small, args.large], "results": results, "ratio": {}}
        for path in ENDPOINTS:
            small, large = results[args.small][path], results[args.large][path]
            ratio = {"p50": round(large["p50_ms"] / small["p50_ms"], 2),
                     "p99": round(large["p99_ms"] / small["p99_ms"], 2)}
            report["ratio"][path] = ratio
            print(f"  {path:<22} p50 x{ratio['p50']}  p99 x{ratio['p99']}  (target <= 1.5)")
        report["loadavg_1m"] = round(os.getloadavg()[0], 2)
        print(f"load average {report['loadavg_1m']} on {os.cpu_count()} CPUs")
        print(json.dumps(report))
    finally:
        stop_servers(servers)
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
