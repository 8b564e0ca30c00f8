"""Per-kind throughput and latency of one app process against its own /health, driven by wrk (issue 18, item 7).

For each database (a fresh SQLite file; a fresh PostgreSQL database next to CASINO_TEST_DATABASE_URL, with
Redis from CASINO_TEST_REDIS_URL): one `casino-club serve --seed` process on 127.0.0.1, players signed up with
plenty of gold (CASINO_STARTING_GOLD), then at each connection count and for each kind a wrk run of
/health immediately followed by a wrk run of the kind (bench/wrk/kinds.lua: one thread and one player token
per connection, a fresh Idempotency-Key per POST). Reported per kind: served answers/s, ratio to the /health
run just before it, wrk's p50/p99, SQL statements per request (casino_db_statements_total: 20 sequential
requests on the otherwise idle server, and everything counted during the wrk run ÷ its requests), then an open-loop run at 50 % of the kind's
capacity (bench/open_loop.py) and `casino-club ledger verify`. Prints a table and PASS/FAIL per target and
writes everything to a JSON file.

    .venv/bin/python -m bench.wrk_bench [--backend sqlite|pg|both] [--seconds 5] [--health-seconds 2]
        [--connections 16,64] [--open-seconds 3] [--kinds slot_spin,gacha_pull] [--out bench/results/x.json]
    .venv/bin/python -m bench.wrk_bench --report bench/results/x.json   # re-print a saved run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import PG_URL, REDIS_URL, UNTHROTTLED, drop_database, fresh_database
from bench.open_loop import run_open_loop
from bench.wrk_kinds import (
    HEALTH,
    Kind,
    Players,
    cheapest_gold_item,
    kinds,
    make_players,
    open_loop_maker,
    statements_alone,
    statements_total,
)
from bench.wrk_report import print_backend, print_targets, targets
from bench.wrk_run import run_wrk
from tests.support.servers import ROOT, Server, server_env

MIN_OPEN_ARRIVALS = 50
MAX_OPEN_RATE = 4000.0  # arrivals/s cap for the open-loop generator (bounds the count: rate × seconds)
SERVER_SETTINGS = {**UNTHROTTLED, "starting_gold": "1000000000", "admin_totp_required": "false",
                   "access_token_minutes": "120"}


def _closed(base: str, players: Players, kind: Kind, conns: int, args: argparse.Namespace) -> dict[str, Any]:
    """/health then the kind, both at `conns` connections; the kind's row with its ratio to that /health."""
    s0 = statements_total(base)
    health = run_wrk(base, players.conns(HEALTH, conns), connections=conns, seconds=args.health_seconds)
    s1 = statements_total(base)
    run = run_wrk(base, players.conns(kind, conns), connections=conns, seconds=args.seconds, method=kind.method,
                  mode=kind.mode)
    s2 = statements_total(base)
    rate = run.rate(kind.expected)
    health_rate = health.rate(HEALTH.expected)
    return {
        "kind": kind.name, "group": kind.group, "connections": conns, "seconds": round(run.seconds, 2),
        "requests": run.requests, "served": run.ok(kind.expected), "rps": round(rate, 1),
        "health_rps": round(health_rate, 1), "ratio": round(rate / health_rate, 4) if health_rate else None,
        "p50_ms": run.p50_ms, "p90_ms": run.p90_ms, "p99_ms": run.p99_ms, "max_ms": run.max_ms,
        "health_p50_ms": health.p50_ms, "health_p99_ms": health.p99_ms,
        # Everything the server ran during the kind, background jobs included (the relay publishing the
        # run's outbox rows, settlers) — and whatever the previous kind left them to do.
        "statements_per_request_in_run": round((s2 - s1) / run.requests, 2) if run.requests else None,
        "background_statements_per_s_during_health": round((s1 - s0) / health.seconds, 1),
        "statuses": run.statuses, "socket_errors": run.socket_errors, "note": kind.note,
    }


def _open(base: str, players: Players, kind: Kind, capacity: float, seconds: float) -> dict[str, Any]:
    """Fixed arrival rate at half the kind's measured capacity."""
    rate = min(MAX_OPEN_RATE, max(1.0, capacity / 2))
    # Slow kinds run longer (up to 2×) so their p99 rests on at least ~MIN_OPEN_ARRIVALS samples.
    seconds = min(2 * seconds, max(seconds, MIN_OPEN_ARRIVALS / rate))
    make, seen = open_loop_maker(kind, players)
    res = run_open_loop(base, rate, seconds, make, seen)
    served = sum(n for key, n in res.statuses.items() if key in kind.expected)
    return {"kind": kind.name, "target_rps": round(rate, 1), "sent": res.sent,
            "seconds": round(res.seconds, 2), "achieved_rps": round(res.sent / res.seconds, 1), "served": served,
            "p50_ms": round(res.pct(50), 2), "p99_ms": round(res.pct(99), 2), "max_ms": round(res.pct(100), 2),
            "send_lag_p99_ms": round(res.lag(99), 2), "connections_opened": res.connections,
            "generator_cpu_share": round(res.cpu_seconds / res.seconds, 3),
            "statuses": res.statuses}


def _ledger_verify(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "casino_club", "ledger", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return {"exit_code": done.returncode, "clean": done.returncode == 0,
            "output": (done.stdout + done.stderr).strip()[-2000:]}


def run_backend(label: str, database_url: str, redis_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    """One server on a fresh database: closed loop per connection count, open loop, ledger verify."""
    env = server_env(database_url, redis_url, **({"redis_prefix": f"wrkbench:{os.getpid()}:"} if redis_url else {}),
                     **SERVER_SETTINGS)
    log = Path(tempfile.gettempdir()) / f"wrk-bench-{label}.log"
    server = Server(env, log_path=log).start(timeout=120, extra_args=["--seed"])
    try:
        base = server.url
        players = asyncio.run(make_players(base, args.players, label[:2]))
        chosen = [k for k in kinds(cheapest_gold_item(base, players.tokens[0]))
                  if not args.kinds or k.name in args.kinds]
        if unknown := set(args.kinds) - {k.name for k in chosen}:
            raise SystemExit(f"unknown kind(s): {sorted(unknown)}")
        for kind in chosen:  # warm-up: first requests of each route pay imports, prepared statements, caches
            run_wrk(base, players.conns(kind, 4), connections=4, seconds=1, method=kind.method, mode=kind.mode)
        alone = {k.name: statements_alone(base, k, players) for k in chosen}
        closed: dict[str, list[dict[str, Any]]] = {}
        for conns in args.connections:
            rows = []
            for kind in chosen:
                rows.append({**_closed(base, players, kind, conns, args), "statements_alone": alone[kind.name]})
                print(f"  {label} c={conns} {kind.name}: {rows[-1]['rps']} rps, ratio {rows[-1]['ratio']}",
                      flush=True)
            closed[str(conns)] = rows
        # A kind's capacity: its better connection count. /health's: the median of its many runs (one
        # outlier on a shared machine would otherwise set the open-loop rate).
        capacity: dict[str, float] = {}
        for rows in closed.values():
            for row in rows:
                capacity[row["kind"]] = max(capacity.get(row["kind"], 0.0), row["rps"])
        capacity["health"] = statistics.median(row["health_rps"] for rows in closed.values() for row in rows)
        opened = [_open(base, players, kind, capacity[kind.name], args.open_seconds)
                  for kind in [HEALTH, *chosen]]
        verify = _ledger_verify(env)
    finally:
        server.stop()
    result = {"backend": label, "closed": closed, "open": opened, "ledger_verify": verify}
    result["targets"] = targets(result)
    return result


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per kind and connection count")
    parser.add_argument("--health-seconds", type=int, default=2, help="/health run before each kind")
    parser.add_argument("--open-seconds", type=int, default=3, help="open-loop duration per kind")
    parser.add_argument("--connections", default="16,64", help="comma-separated connection counts")
    parser.add_argument("--players", type=int, default=0, help="players signed up (default: most connections)")
    parser.add_argument("--kinds", default="", help="comma-separated subset of kinds (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default bench/results/wrk-<UTC>.json)")
    args = parser.parse_args()
    args.connections = [int(x) for x in args.connections.split(",") if x]
    args.kinds = [x for x in args.kinds.split(",") if x]
    if not args.connections or not all(1 <= c <= 256 for c in args.connections):
        parser.error("--connections: 1..256 each")
    if not (1 <= args.seconds <= 60 and 1 <= args.health_seconds <= 60 and 1 <= args.open_seconds <= 60):
        parser.error("durations must be 1..60 s")
    args.players = args.players or max(args.connections)
    if not 1 <= args.players <= 256:
        parser.error("--players: 1..256")
    return args


def main() -> None:
    """Run the benchmark on the chosen databases, print the tables and targets, write the JSON."""
    if len(sys.argv) == 3 and sys.argv[1] == "--report":  # re-print (and re-check) a saved run
        saved = json.loads(Path(sys.argv[2]).read_text())
        for result in saved["results"]:
            result["targets"] = targets(result)
            print_backend(result)
        print_targets(saved["results"])
        return
    args = _parse()
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    results = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_backend("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", None, args))
    if args.backend in ("pg", "both"):
        if not PG_URL:
            print("PostgreSQL skipped: set CASINO_TEST_DATABASE_URL (and CASINO_TEST_REDIS_URL)")
        else:
            url = fresh_database("casino_wrk")
            try:
                results.append(run_backend("postgresql", url, REDIS_URL, args))
            finally:
                drop_database(url)
    meta = {"started": started.isoformat(timespec="seconds"), "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python -m bench.wrk_bench", *sys.argv[1:]]), "cpus": os.cpu_count(),
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "git_head": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip(),
            "seconds": args.seconds, "health_seconds": args.health_seconds, "open_seconds": args.open_seconds,
            "connections": args.connections, "players": args.players, "server_settings": SERVER_SETTINGS}
    for result in results:
        print_backend(result)
    failed = print_targets(results)
    out = args.out or ROOT / "bench" / "results" / f"wrk-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(f"\nJSON: {out}  ({failed} target checks FAIL; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
          f", {time.strftime('%H:%M:%S')} )")


if __name__ == "__main__":
    main()
