"""Authenticated GETs against /health with wrk: one server process, SQLite or PostgreSQL + Redis, 127.0.0.1 only.

Per kind: requests/s and its ratio to /health in the same run, and the server process's CPU time per request
with the inverse ratio (/health µs ÷ kind µs) — the steadier figure when other work shares the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench._common import PG_URL, REDIS_URL, UNTHROTTLED, drop_database, fresh_database
from tests.support.servers import Server, server_env

KINDS = ["/health", "/api/users/balance", "/api/games/history", "/api/auth/me"]


@dataclass
class Run:
    """One wrk run: requests per second, and the server's CPU time per request (robust on a busy machine)."""

    rps: float
    cpu_us: float


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, token: str | None, connections: int, duration_s: int, pid: int) -> Run:
    """Run wrk (one thread; non-2xx answers make the run fail) and read the server's CPU meanwhile."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", url]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    before = _cpu_s(pid)
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration_s + 30, check=True).stdout
    cpu = _cpu_s(pid) - before
    if "Non-2xx" in out:
        raise SystemExit(f"{url}: non-2xx answers\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    assert rps and total, out
    return Run(float(rps.group(1)), cpu / int(total.group(1)) * 1e6)


def run(database_url: str, redis_url: str | None, label: str, connections: int, duration_s: int,
        rounds: int, log_dir: Path) -> None:
    """Start one server, play a few rounds so history has rows, then measure each kind `rounds` times."""
    settings = {**UNTHROTTLED, "redis_prefix": f"casino-reads:{uuid.uuid4().hex[:8]}:"}
    server = Server(server_env(database_url, redis_url, **settings), log_path=log_dir / f"{label}.log")
    server.start(timeout=120)
    try:
        site_id = f"r{uuid.uuid4().hex[:10]}"
        r = httpx.post(server.url + "/api/auth/signup", json={"site_id": site_id, "nickname": site_id,
                                                              "password": "password123"})
        r.raise_for_status()
        token = r.json()["access_token"]
        for _ in range(5):
            httpx.post(server.url + "/api/games/slot/spin", json={"bet": 10}, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}).raise_for_status()
        assert server.process is not None
        pid = server.process.pid
        wrk(server.url + "/health", None, connections, 1, pid)  # warm-up
        for i in range(rounds):
            health = wrk(server.url + "/health", None, connections, duration_s, pid)
            cells = [f"/health {health.rps:,.0f} rps {health.cpu_us:.0f} µs"]
            for path in KINDS[1:]:
                got = wrk(server.url + path, token, connections, duration_s, pid)
                cells.append(f"{path} {got.rps:,.0f} rps ({got.rps / health.rps:.2f}) "
                             f"{got.cpu_us:.0f} µs ({health.cpu_us / got.cpu_us:.2f})")
            print(f"{label} run {i + 1}: " + " | ".join(cells), flush=True)
    finally:
        server.stop()


def main() -> None:
    """Parse arguments and run the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    with tempfile.TemporaryDirectory(prefix="reads-bench-") as tmp:
        log_dir = Path(tmp)
        for db in args.databases.split(","):
            if db == "sqlite":
                run(f"sqlite+aiosqlite:///{tmp}/reads.db", None, "sqlite", args.connections, args.duration,
                    args.rounds, log_dir)
            elif db == "postgresql":
                if not PG_URL or not REDIS_URL:
                    raise SystemExit("set CASINO_TEST_DATABASE_URL and CASINO_TEST_REDIS_URL for PostgreSQL")
                url = fresh_database("reads_bench")
                try:
                    run(url, REDIS_URL, "postgresql+redis", args.connections, args.duration, args.rounds, log_dir)
                finally:
                    drop_database(url)


if __name__ == "__main__":
    main()
