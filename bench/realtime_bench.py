"""Realtime bench: how many WebSockets one worker holds (RSS per socket) and commit → client latency.

Starts one `casino-club serve` process (one uvicorn worker) on a fresh SQLite file (in-process bus), or on
PostgreSQL + Redis with `--backend pg` (CASINO_TEST_DATABASE_URL / CASINO_TEST_REDIS_URL). Players are created
directly in the database before the server starts (the real sign-up service, with a precomputed password hash so
argon2 does not dominate), then:

1. holding: open `--sockets` sockets (`--tabs` per player), each reading `sync_connected` + `snapshot`; the
   server's RSS (from /proc/<pid>/status) before and after gives the memory per socket;
2. latency: with every socket still open, commit `--rate` events/s for `--seconds` through the dev emit endpoint
   (`--batch` events per transaction, players round-robin); each event reaches its player's `--tabs` sockets.
   Latency = client receive time − the event's `ts` (set inside the transaction, before commit, so it slightly
   overstates commit → client).

    .venv/bin/python bench/realtime_bench.py [--sockets 5000] [--tabs 2] [--rate 1000] [--seconds 10]
                                             [--batch 4] [--backend sqlite|pg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import Server, server_env  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
MAX_EVENTS = 200_000  # hard bound besides the duration


def raise_nofile(needed: int) -> int:
    """Raise the soft open-files limit (inherited by the server process) as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile in ms of values in seconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] * 1000


def start_server(env: dict[str, str], ws_impl: str, deflate: bool, log_path: Path) -> Server:
    """One uvicorn worker (the database is already migrated), with the chosen WebSocket implementation."""
    server = Server(env, log_path=log_path)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    server.process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "casino_club.app:create_app_from_env", "--host", "127.0.0.1",
         "--port", str(server.port), "--ws", ws_impl, "--ws-per-message-deflate", str(deflate).lower(),
         "--no-access-log", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited; see {log_path}")
        try:
            if httpx.get(server.url + "/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start; see {log_path}")


async def create_players(database_url: str, n: int) -> list[tuple[int, str]]:
    """n players via the sign-up service (cheap fixed hash); returns (user_id, access_token)."""
    from casino_club.auth import service as auth_service
    from casino_club.auth.schemas import SignupIn
    from casino_club.config import Settings
    from casino_club.kit.runtime import Runtime
    from casino_club.wallet.service import ensure_system_accounts

    fixed = await auth_service.hash_password("bench-password")

    async def cheap_hash(_: str) -> str:
        return fixed

    auth_service.hash_password = cheap_hash  # type: ignore[assignment]
    settings = Settings(_env_file=None, env="test", database_url=database_url, secret_key=SECRET,
                        access_token_minutes=240)
    rt = Runtime.build(settings)
    out = []
    try:
        await rt.run(ensure_system_accounts)
        client = auth_service.ClientInfo(user_agent="bench", ip="127.0.0.1")
        for start in range(0, n, 100):  # 100 sign-ups per transaction
            async with rt.transaction() as session:
                for i in range(start, min(n, start + 100)):
                    tag = uuid.uuid4().hex[:8]
                    body = SignupIn(site_id=f"b{tag}{i}", nickname=f"n{tag}{i}", password="bench-password")
                    token = await auth_service.signup(session, body, client)
                    out.append((token.user.id, token.access_token))
    finally:
        await rt.close()
    return out


async def produce_sql(database_url: str, user_ids: list[int], rate: int, seconds: float, per_tx: int) -> tuple[int, float]:
    """Commit `rate` events/s straight into the outbox (the rows emit() writes: seq bump + insert), from this
    process; returns (events, seconds taken). Cheap enough that the producer is not the bottleneck."""
    from datetime import UTC

    from sqlalchemy import insert, update

    from casino_club.auth.models import User
    from casino_club.config import Settings
    from casino_club.db import make_engine
    from casino_club.outbox.models import OutboxEvent

    engine = make_engine(Settings(_env_file=None, database_url=database_url))
    per_tx = min(per_tx, len(user_ids))
    ticks = max(1, int(rate * seconds / per_tx))
    interval = per_tx / rate
    events = 0
    cursor = 0
    start = time.perf_counter()
    try:
        for tick in range(ticks):
            delay = start + tick * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            players = [user_ids[(cursor + k) % len(user_ids)] for k in range(per_tx)]
            cursor += per_tx
            async with engine.begin() as conn:
                bumped = (await conn.execute(update(User).where(User.id.in_(players))
                                             .values(event_seq=User.event_seq + 1)
                                             .returning(User.id, User.event_seq))).all()
                now = datetime.now(UTC)
                await conn.execute(insert(OutboxEvent.__table__), [
                    {"event_id": str(uuid.uuid4()), "user_id": uid, "seq": seq, "type": "notification",
                     "data": {"tick": tick}, "created_at": now} for uid, seq in bumped])
            events += len(bumped)
    finally:
        await engine.dispose()
    return events, time.perf_counter() - start


class Client:
    """One socket: reads forever, recording latency of seq-bearing events while `measuring`."""

    def __init__(self, conn: websockets.ClientConnection, stats: Stats) -> None:
        self.conn = conn
        self.stats = stats

    async def read(self) -> None:
        try:
            async for raw in self.conn:
                now = time.time()
                message = json.loads(raw)
                if message["seq"] is not None and self.stats.measuring:
                    self.stats.latencies.append(now - datetime.fromisoformat(message["ts"]).timestamp())
        except websockets.ConnectionClosed as exc:
            self.stats.closed.append(exc.rcvd.code if exc.rcvd else None)


class Stats:
    """Shared counters."""

    def __init__(self) -> None:
        self.measuring = False
        self.latencies: list[float] = []
        self.closed: list[int | None] = []
        self.retries = 0


async def open_socket(url: str, token: str, stats: Stats, attempts: int = 5) -> Client:
    """Connect and read sync_connected + snapshot; retried like a client would (e.g. after a 1011)."""
    for attempt in range(attempts):
        try:
            conn = await websockets.connect(url, subprotocols=["bearer", token],  # type: ignore[list-item]
                                            open_timeout=60, ping_interval=None, max_queue=64)
            for _ in range(2):  # sync_connected + snapshot
                json.loads(await conn.recv())
            return Client(conn, stats)
        except (websockets.ConnectionClosed, OSError, TimeoutError):
            stats.retries += 1
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


async def run(args: argparse.Namespace) -> dict[str, object]:
    limit = raise_nofile(args.sockets * 2 + 1000)
    workdir = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    redis_url = None
    if args.backend == "pg":
        sys.path.insert(0, str(ROOT / "bench"))
        from _common import REDIS_URL, drop_database, fresh_database  # type: ignore[import-not-found]

        database_url, redis_url = await asyncio.to_thread(fresh_database, "rt_bench"), REDIS_URL
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    from casino_club.migrate import upgrade

    await asyncio.to_thread(upgrade, database_url)
    players = max(1, args.sockets // args.tabs)
    t0 = time.perf_counter()
    accounts = await create_players(database_url, players)
    print(f"created {players} players in {time.perf_counter() - t0:.1f}s", flush=True)
    env = server_env(database_url, redis_url, secret_key=SECRET, access_token_minutes="240",
                     ws_idle_timeout_s="3600", write_rate_limit="100000000", outbox_sweep_s=args.sweep_s,
                     redis_prefix=f"rt-bench:{uuid.uuid4().hex[:8]}:")
    server = start_server(env, args.ws, args.deflate, workdir / "server.log")
    assert server.process is not None
    pid = server.process.pid
    url = server.url.replace("http://", "ws://") + "/api/realtime/sync"
    stats = Stats()
    clients: list[Client] = []
    readers: list[asyncio.Task[None]] = []
    result: dict[str, object] = {"backend": args.backend, "ws": args.ws, "deflate": args.deflate,
                                 "nofile": limit}
    try:
        # Warm up (imports, pools, first snapshot) before the baseline.
        warm = [await open_socket(url, accounts[i % players][1], stats) for i in range(20)]
        for c in warm:
            await c.conn.close()
        await asyncio.sleep(1.0)
        base = rss_kib(pid)
        gate = asyncio.Semaphore(args.connect_concurrency)

        async def opener(i: int) -> None:
            async with gate:
                clients.append(await open_socket(url, accounts[i % players][1], stats))

        t0 = time.perf_counter()
        await asyncio.gather(*(opener(i) for i in range(args.sockets)))
        open_s = time.perf_counter() - t0
        readers = [asyncio.create_task(c.read()) for c in clients]
        await asyncio.sleep(3.0)
        held = rss_kib(pid)
        per_socket = (held - base) / max(1, len(clients))
        result.update(sockets=len(clients), connect_s=round(open_s, 1), rss_base_mib=round(base / 1024, 1),
                      rss_held_mib=round(held / 1024, 1), kib_per_socket=round(per_socket, 1))
        print(json.dumps(result), flush=True)

        # Latency at a fixed commit rate, every socket still open.
        stats.measuring = True
        errors = 0
        if args.producer == "sql":
            events, send_s = await produce_sql(database_url, [uid for uid, _ in accounts], args.rate, args.seconds,
                                               args.batch)
        else:
            requests_per_s = args.rate / args.batch
            total_requests = min(int(requests_per_s * args.seconds), MAX_EVENTS // args.batch)
            async with httpx.AsyncClient(base_url=server.url, timeout=30,
                                         limits=httpx.Limits(max_connections=64)) as http:
                async def fire(i: int) -> None:
                    nonlocal errors
                    _, token = accounts[i % players]
                    r = await http.post(f"/api/test/realtime/emit/{args.type}", json={"count": args.batch},
                                        headers={"Authorization": f"Bearer {token}"})
                    if r.status_code != 200:
                        errors += 1

                tasks = []
                start = time.perf_counter()
                for i in range(total_requests):
                    delay = start + i / requests_per_s - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(fire(i)))
                await asyncio.gather(*tasks)
                send_s = time.perf_counter() - start
            events = total_requests * args.batch
        expected = events * args.tabs
        deadline = time.monotonic() + 10
        while len(stats.latencies) < expected and time.monotonic() < deadline:  # noqa: ASYNC110 - bounded poll
            await asyncio.sleep(0.1)
        stats.measuring = False
        lat = stats.latencies
        result.update(producer=args.producer, rate_target=args.rate, events=events,
                      achieved_events_per_s=round(events / send_s, 1), emit_errors=errors,
                      deliveries_expected=expected, deliveries=len(lat), p50_ms=round(pct(lat, 50), 1),
                      p95_ms=round(pct(lat, 95), 1), p99_ms=round(pct(lat, 99), 1), max_ms=round(pct(lat, 100), 1),
                      rss_after_mib=round(rss_kib(pid) / 1024, 1), closed_early=len(stats.closed),
                      connect_retries=stats.retries)
    finally:
        for c in clients:
            await c.conn.close()
        for t in readers:
            t.cancel()
        server.stop()
        if args.backend == "pg":
            await asyncio.to_thread(drop_database, database_url)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--tabs", type=int, default=2, help="sockets per player")
    parser.add_argument("--rate", type=int, default=1000, help="events committed per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=10, help="events per transaction")
    parser.add_argument("--producer", choices=["sql", "http"], default="sql",
                        help="sql: this process commits outbox rows directly; http: the dev emit endpoint")
    parser.add_argument("--sweep-s", default="0.02",
                        help="server relay sweep interval (sql producer: commits happen outside the server)")
    parser.add_argument("--type", default="notification")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--ws", choices=["websockets", "websockets-sansio", "wsproto"], default="websockets-sansio",
                        help="uvicorn WebSocket implementation (`casino-club serve` uses websockets-sansio)")
    parser.add_argument("--deflate", action=argparse.BooleanOptionalAction, default=False,
                        help="permessage-deflate (costs a zlib context per socket; the app's server turns it off)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
