"""Slot spins/s over HTTP vs the same server's /health req/s, with p50/p99 latency, at 32 concurrent clients.

Starts `casino-club serve` (uvicorn) on 127.0.0.1 on a fresh SQLite file and, when
CASINO_BENCH_DATABASE_URL (or CASINO_TEST_DATABASE_URL) points at a PostgreSQL server, on a fresh
PostgreSQL database created next to it. Each run: sign up one player per client, warm up, then
`--seconds` of GET /health and `--seconds` of POST /api/games/slot/spin (min bet, a fresh
Idempotency-Key per spin, like the browser), in alternating ~2 s slices. Prints one table (with the server's
CPU per request and how busy it was, from /proc) and a Markdown row per backend.

    .venv/bin/python bench/slot_bench.py [--seconds 10] [--clients 32] [--workers 1] [--backend sqlite|pg|both]
                                         [--setting round_batching=false] [--setting round_batch_parallel=1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import Server, server_env  # noqa: E402

MAX_REQUESTS_PER_PHASE = 200_000  # hard bound besides the duration
SLICE_SECONDS = 2.0  # health and spins are measured in alternating slices of about this length


@dataclass
class Phase:
    """One measured phase: completed requests, wall time and per-request latencies (seconds)."""

    name: str
    ok: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # CPU seconds the server's processes used during the phase

    @staticmethod
    def combine(parts: list[Phase]) -> Phase:
        """Slices of one phase as one."""
        return Phase(parts[0].name, sum(p.ok for p in parts), sum(p.errors for p in parts),
                     sum(p.seconds for p in parts), [x for p in parts for x in p.latencies],
                     sum(p.server_cpu for p in parts))

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per successful request."""
        return 1000 * self.server_cpu / self.ok if self.ok else float("nan")

    @property
    def busy(self) -> float:
        """Share of one core the server used during the phase."""
        return self.server_cpu / self.seconds if self.seconds else 0.0

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _signup(client: httpx.AsyncClient) -> str:
    site = f"b{uuid.uuid4().hex[:10]}"
    r = await client.post("/api/auth/signup", json={"site_id": site, "nickname": f"n{site}", "password": "password123"})
    r.raise_for_status()
    return r.json()["access_token"]


class Conn:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (httpx's pool would be the bottleneck)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        """Send one request and read the whole response; returns the status code."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


def server_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the server's process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state; pgrp is the 5th field of the whole line
            total += int(fields[11]) + int(fields[12])
    return total / tick


async def _run_phase(base: str, name: str, tokens: list[str], seconds: float, spin: bool, pgid: int = 0) -> Phase:
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    host, port = base.removeprefix("http://").split(":")
    deadline = time.perf_counter() + seconds
    body = b'{"bet": 10}'

    async def worker(token: str) -> None:
        conn = Conn(host, int(port))
        auth = {"Authorization": f"Bearer {token}"}
        try:
            while time.perf_counter() < deadline and counts["ok"] + counts["errors"] < MAX_REQUESTS_PER_PHASE:
                start = time.perf_counter()
                if spin:
                    status = await conn.request("POST", "/api/games/slot/spin", {
                        **auth, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}, body)
                else:
                    status = await conn.request("GET", "/health", {})
                latencies.append(time.perf_counter() - start)
                counts["ok" if status == 200 else "errors"] += 1
        finally:
            await conn.close()

    cpu_before = server_cpu_seconds(pgid) if pgid else 0.0
    began = time.perf_counter()
    await asyncio.gather(*[worker(t) for t in tokens])
    elapsed = time.perf_counter() - began
    cpu = server_cpu_seconds(pgid) - cpu_before if pgid else 0.0
    return Phase(name, counts["ok"], counts["errors"], elapsed, latencies, cpu)


async def _batches(base: str) -> tuple[float, float]:
    """(group commits, rounds in them) so far, from the server's casino_round_batch_size histogram."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        text = (await client.get("/metrics")).text
    values = {name: float(value) for name, value in re.findall(r"^(casino_round_batch_size_(?:count|sum)) (\S+)$",
                                                               text, re.M)}
    return values.get("casino_round_batch_size_count", 0.0), values.get("casino_round_batch_size_sum", 0.0)


async def _bench(base: str, clients: int, seconds: float, pgid: int) -> tuple[Phase, Phase, Phase, float]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tokens = [await _signup(client) for _ in range(clients)]
    await _run_phase(base, "warmup", tokens, min(2.0, seconds), spin=True)
    await _run_phase(base, "warmup", tokens, min(1.0, seconds), spin=False)
    # Health and spin slices alternate, so both sides of the ratio see the same machine: a shared 2-vCPU VM's
    # speed drifts by tens of percent within a minute, which two back-to-back phases read as a change.
    slices = max(1, round(seconds / SLICE_SECONDS))
    health_parts, spin_parts, commits, rounds = [], [], 0.0, 0.0
    for _ in range(slices):
        health_parts.append(await _run_phase(base, "health", tokens, seconds / slices, spin=False, pgid=pgid))
        commits_before, rounds_before = await _batches(base)
        spin_parts.append(await _run_phase(base, "slot_spin", tokens, seconds / slices, spin=True, pgid=pgid))
        commits_after, rounds_after = await _batches(base)
        commits, rounds = commits + commits_after - commits_before, rounds + rounds_after - rounds_before
    health, spins = Phase.combine(health_parts), Phase.combine(spin_parts)
    per_commit = rounds / max(1.0, commits)
    single = await _run_phase(base, "spin_1cli", tokens[:1], min(5.0, seconds), spin=True, pgid=pgid)
    return health, spins, single, per_commit


def _pg_database(admin_url: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    name = f"casino_bench_{uuid.uuid4().hex[:8]}"
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _pg_exec(admin_url: str, sql: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def run_backend(label: str, database_url: str, redis_url: str | None,
                args: argparse.Namespace) -> tuple[Phase, Phase, Phase, float]:
    """Serve on a fresh database, measure, stop."""
    log = Path(tempfile.gettempdir()) / f"slot-bench-{label}.log"
    # Load must not trip the per-player / per-IP throttles that protect production.
    extra = dict(item.split("=", 1) for item in args.setting)
    # Enough starting gold that no bench player runs dry (a 409 INSUFFICIENT_GOLD is not a spin).
    env = server_env(database_url, redis_url, write_rate_limit="100000000", signup_per_ip_limit="100000000",
                     **{"starting_gold": "1000000", **extra})
    server = Server(env=env, log_path=log)
    server.start(timeout=60, extra_args=["--workers", str(args.workers)] if args.workers > 1 else None)
    try:
        assert server.process is not None
        return asyncio.run(_bench(server.url, args.clients, args.seconds, server.process.pid))
    finally:
        server.stop()


def main() -> None:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="server setting, e.g. round_batching=false or round_batch_parallel=1 (repeatable)")
    args = parser.parse_args()
    if not (1 <= args.clients <= 256 and 1 <= args.seconds <= 120):
        parser.error("clients must be 1..256 and seconds 1..120")
    if any("=" not in item for item in args.setting):
        parser.error("--setting takes NAME=VALUE")

    rows: list[tuple[str, Phase, Phase, Phase, float]] = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(("sqlite", *run_backend("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", None, args)))
    pg_admin = os.environ.get("CASINO_BENCH_DATABASE_URL") or os.environ.get("CASINO_TEST_DATABASE_URL")
    if args.backend in ("pg", "both"):
        if not pg_admin:
            print("PostgreSQL skipped: set CASINO_BENCH_DATABASE_URL (or CASINO_TEST_DATABASE_URL)")
        else:
            name, url = _pg_database(pg_admin)
            asyncio.run(_pg_exec(pg_admin, f'CREATE DATABASE "{name}"'))
            try:
                redis_url = os.environ.get("CASINO_BENCH_REDIS_URL") or os.environ.get("CASINO_TEST_REDIS_URL")
                rows.append(("postgresql", *run_backend("pg", url, redis_url, args)))
            finally:
                asyncio.run(_pg_exec(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{args.clients} clients, {args.seconds:g} s per phase, {args.workers} worker(s), cpus={os.cpu_count()}, "
          f"settings {args.setting or 'default'}, "
          f"load average {load} (other processes share these CPUs)")
    print(f"{'backend':<11} {'phase':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'server CPU ms/req':>18} {'server busy':>12}")
    for label, health, spins, single, per_commit in rows:
        for phase in (health, spins, single):
            cpu = f"{phase.cpu_ms:>18.3f} {phase.busy:>11.0%}" if phase.server_cpu else ""
            print(f"{label:<11} {phase.name:<10} {phase.rate:>9.1f} {phase.pct(0.50):>8.1f} {phase.pct(0.99):>8.1f} "
                  f"{phase.errors:>7} {cpu}")
        print(f"{label:<11} ratio spins/health = {spins.rate / health.rate:.2f}, {per_commit:.1f} rounds per commit")
    print("\n| backend | /health req/s | spins/s | ratio | spin p50 ms | spin p99 ms | health p50/p99 ms "
          "| 1-client spin p50 / p99 ms | rounds per commit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, health, spins, single, per_commit in rows:
        print(f"| {label} | {health.rate:.0f} | {spins.rate:.0f} | {spins.rate / health.rate:.2f} | "
              f"{spins.pct(0.5):.1f} | {spins.pct(0.99):.1f} | {health.pct(0.5):.1f} / {health.pct(0.99):.1f} | "
              f"{single.pct(0.5):.1f} / {single.pct(0.99):.1f} | {per_commit:.1f} |")
    if any(p.errors for _, h, s, one, _n in rows for p in (h, s, one)):
        print("note: non-200 answers (e.g. 409 INSUFFICIENT_GOLD) are counted as errors, not in req/s")


if __name__ == "__main__":
    main()
