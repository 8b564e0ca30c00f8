"""Helpers for the reliability suite: scale, real servers, HTTP retries with idempotency keys, DB probes."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.api import Player
from tests.support.servers import ROOT, Server, server_env
from tests.support.totp import fresh_code

LONG = os.environ.get("CASINO_RELIABILITY_LONG") == "1"
# Settings every reliability server gets: no per-player/IP throttles in the way of a load test.
LOAD_SETTINGS = {"write_rate_limit": "1000000", "login_per_ip_limit": "1000000", "admin_gold_rate_limit": "1000000",
                 "signup_per_ip_limit": "1000000"}


def scale(ci: int, long: int) -> int:
    """CI-sized number by default, the long one under CASINO_RELIABILITY_LONG=1."""
    return long if LONG else ci


class ServerSet:
    """Uvicorn subprocesses started by one test, each with its own log file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.servers: list[Server] = []

    def make(self, database_url: str, redis_url: str | None = None, name: str | None = None,
             **settings: str) -> Server:
        """Build (not start) a server; reliability defaults lift the rate limits."""
        env = server_env(database_url, redis_url, **{**LOAD_SETTINGS, **settings})
        server = Server(env=env, log_path=self.root / f"{name or f'server{len(self.servers)}'}.log")
        self.servers.append(server)
        return server

    async def start(self, server: Server, wait_s: float = 60.0) -> Server:
        """Start without blocking the event loop (load may be running)."""
        return await asyncio.to_thread(server.start, wait_s)

    def stop_all(self) -> None:
        """Stop every server still running."""
        for server in self.servers:
            server.stop()

    def server_exceptions(self, limit: int = 3) -> list[str]:
        """The last unhandled exceptions the servers logged (for failure reports)."""
        import json

        found: list[str] = []
        for server in self.servers:
            if server.log_path and server.log_path.exists():
                for line in server.log_path.read_text(errors="replace").splitlines():
                    if '"unhandled_error"' in line or '"job_crashed"' in line:
                        try:
                            entry = json.loads(line)
                        except ValueError:
                            continue
                        found.append(f"{server.log_path.name} {entry.get('event')} {entry.get('path') or entry.get('job')}"
                                     f"\n{str(entry.get('exception', ''))[-1500:]}")
        return found[-limit:]

    def log_tail(self, lines: int = 40) -> str:
        """The end of every server log, for assertion messages."""
        out = []
        for server in self.servers:
            if server.log_path and server.log_path.exists():
                text_ = server.log_path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {server.log_path.name}\n" + "\n".join(text_))
        return "\n".join(out)

    def count_in_logs(self, needle: str) -> int:
        """How many log lines mention `needle` across the servers."""
        total = 0
        for server in self.servers:
            if server.log_path and server.log_path.exists():
                total += sum(needle in line for line in server.log_path.read_text(errors="replace").splitlines())
        return total


# ---------------------------------------------------------------- database probes

async def db_rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    """All rows of a query (a short-lived engine: tests stay independent of the app's pool).

    Retries while the server refuses connections ("too many clients"): the shared test PostgreSQL may be
    busy with the servers under test and with other suites running at the same time.
    """
    for attempt in range(40):
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(text(sql), params)).all())
        except DBAPIError as exc:
            if "too many clients" not in str(exc) or attempt == 39:
                raise
            await asyncio.sleep(0.25)
        finally:
            await engine.dispose()
    raise AssertionError("unreachable")


async def db_scalar(database_url: str, sql: str, **params: Any) -> Any:
    """One scalar from the database."""
    rows = await db_rows(database_url, sql, **params)
    return rows[0][0] if rows else None


async def promote_in_db(database_url: str, user_id: int, role: str = "admin") -> None:
    """Make a user an admin directly in the database (the API cannot create the first admin)."""
    from casino_club.auth.models import User

    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user_id).values(role=role))
    finally:
        await engine.dispose()


def ledger_verify_cli(database_url: str) -> tuple[int, str]:
    """`casino-club ledger verify` as an operator would run it: (exit code, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASINO_")}
    env.update({"CASINO_DATABASE_URL": database_url, "CASINO_ENV": "test"})
    done = subprocess.run([sys.executable, "-m", "casino_club", "ledger", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, (done.stdout + done.stderr).strip()


# ---------------------------------------------------------------- HTTP against real servers

async def signup_at(client: httpx.AsyncClient, base: str, prefix: str = "r") -> Player:
    """Sign up a fresh player on server `base`."""
    site_id = f"{prefix}{uuid.uuid4().hex[:12]}"
    response = await client.post(f"{base}/api/auth/signup",
                                 json={"site_id": site_id, "nickname": f"n{site_id}", "password": "password123"})
    assert response.status_code == 201, response.text
    data = response.json()
    return Player(client, site_id, "password123", data["access_token"], data["refresh_token"], data["user"]["id"])


async def admin_at(client: httpx.AsyncClient, base: str, database_url: str) -> Player:
    """A TOTP-enrolled admin on server `base`, logged in with its second factor."""
    admin = await signup_at(client, base, "adm")
    await promote_in_db(database_url, admin.user_id)
    enrol = await admin.post(f"{base}/api/auth/totp/enroll")
    assert enrol.status_code == 200, enrol.text
    secret = enrol.json()["secret"]
    confirm = await admin.post(f"{base}/api/auth/totp/confirm", json={"code": fresh_code(secret)})
    assert confirm.status_code == 200, confirm.text
    fresh = await client.post(f"{base}/api/auth/login", json={"site_id": admin.site_id, "password": admin.password,
                                                               "otp": fresh_code(secret)})
    assert fresh.status_code == 200, fresh.text
    admin.access_token = fresh.json()["access_token"]
    admin.refresh_token = fresh.json()["refresh_token"]
    admin.totp_secret = secret
    return admin


@dataclass
class Tally:
    """What a load run did: requests sent, statuses seen, faults met, replays observed."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    transport_errors: int = 0
    replays: int = 0
    server_errors: list[str] = field(default_factory=list)
    unavailable: int = 0

    def note(self, response: httpx.Response) -> None:
        """Count one response."""
        self.requests += 1
        self.statuses[response.status_code] += 1
        if response.headers.get("idempotent-replayed") == "true":
            self.replays += 1
        if response.status_code >= 400:
            try:
                self.codes[response.json()["error"]["code"]] += 1
            except (ValueError, KeyError, TypeError):
                self.codes[f"HTTP{response.status_code}"] += 1
        if response.status_code == 503:
            self.unavailable += 1  # backpressure (e.g. the database refusing connections): retried, reported
        elif response.status_code >= 500:
            self.server_errors.append(f"{response.request.method} {response.request.url.path} -> "
                                      f"{response.status_code} {response.text[:300]}")

    @property
    def fivexx(self) -> int:
        """Number of 5xx responses other than 503 SERVICE_UNAVAILABLE (which clients retry)."""
        return sum(n for s, n in self.statuses.items() if s >= 500 and s != 503)


Send = Callable[[str], Awaitable[httpx.Response]]  # base URL -> response


async def until_final(send: Send, bases: Callable[[], list[str]], tally: Tally, *, deadline_s: float = 60.0,
                      retry_5xx: bool = False) -> httpx.Response:
    """Send until the answer is final: retry (same key) on 409 IN_FLIGHT and on transport errors.

    `bases()` lists the servers currently believed alive; a transport error moves to another one, which is
    what a client behind a load balancer sees when an instance dies.
    """
    deadline = time.monotonic() + deadline_s
    attempt = 0
    while True:
        attempt += 1
        choices = bases()
        base = random.choice(choices)
        try:
            response = await send(base)
        except httpx.TransportError:
            tally.transport_errors += 1
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(min(0.05 * attempt, 0.5))
            continue
        tally.note(response)
        in_flight = response.status_code == 409 and _code(response) == "IDEMPOTENCY_IN_FLIGHT"
        retry = in_flight or response.status_code == 503 or (retry_5xx and response.status_code >= 500)
        if not retry or time.monotonic() > deadline:
            return response
        await asyncio.sleep(min(0.05 * attempt, 0.5))


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def error_code(response: httpx.Response) -> str | None:
    """The error envelope's code, if any."""
    return _code(response)


async def gather_limited(coros: Iterable[Awaitable[Any]], limit: int) -> list[Any]:
    """Run awaitables with at most `limit` in flight; exceptions propagate."""
    sem = asyncio.Semaphore(limit)

    async def one(c: Awaitable[Any]) -> Any:
        async with sem:
            return await c
    return await asyncio.gather(*(one(c) for c in coros))


def auth(player: Player, key: str | None = None) -> dict[str, str]:
    """Headers for a player's write with an idempotency key."""
    headers = {"Authorization": f"Bearer {player.access_token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def new_key() -> str:
    """A fresh idempotency key."""
    return uuid.uuid4().hex


async def wait_status(client: httpx.AsyncClient, url: str, status: int, within_s: float = 20.0) -> int:
    """Poll GET url until it answers `status`; returns the last status seen."""
    last = -1
    for _ in range(int(within_s / 0.2)):
        try:
            last = (await client.get(url)).status_code
        except httpx.TransportError:
            last = -1
        if last == status:
            return last
        await asyncio.sleep(0.2)
    return last


def seed_cli(database_url: str) -> None:
    """`casino-club seed`: migrations, demo accounts and the catalog (shop products, limited package)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASINO_")}
    env.update({"CASINO_DATABASE_URL": database_url, "CASINO_ENV": "test", "CASINO_SEED_PASSWORD": "seed-pass-123"})
    done = subprocess.run([sys.executable, "-m", "casino_club", "seed"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr


async def shop_setup(database_url: str, limited_stock: int) -> tuple[list[int], int | None]:
    """Product ids to buy (a cheap gold item and gold packs) and the limited package's product, whose stock is
    cut to `limited_stock` so that demand exceeds it."""
    rows = await db_rows(database_url, "SELECT id, sku FROM shop_products WHERE sku IN "
                                       "('lucky_clover', 'gold_1000', 'gold_5500') ORDER BY kind DESC, id")  # gold packs last
    limited = await db_scalar(database_url, "SELECT product_id FROM shop_limited_packages LIMIT 1")
    if limited is not None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE shop_limited_packages SET stock = :s, sold = 0"), {"s": limited_stock})
        finally:
            await engine.dispose()
    return [r[0] for r in rows], limited


async def wait_settled(database_url: str, within_s: float = 40.0) -> tuple[int, int]:
    """Wait until no crash round and no purchase is left open/pending; returns what is left (0, 0 on success)."""
    open_rounds = pending = -1
    for _ in range(int(within_s / 0.5)):
        open_rounds = await db_scalar(database_url, "SELECT count(*) FROM game_rounds WHERE status = 'open'")
        pending = await db_scalar(database_url, "SELECT count(*) FROM shop_transactions WHERE status = 'pending'")
        if open_rounds == 0 and pending == 0:
            break
        await asyncio.sleep(0.5)
    return open_rounds, pending


async def wait_outbox_drained(database_url: str, within_s: float = 30.0) -> int:
    """Wait until every outbox event has been published by a relay; returns how many are still unpublished."""
    left = -1
    for _ in range(int(within_s / 0.5)):
        left = await db_scalar(database_url, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")
        if left == 0:
            break
        await asyncio.sleep(0.5)
    return left
