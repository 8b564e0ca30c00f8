"""The request kinds the wrk harness measures, the players it signs up, and the targets of issue 18."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field

import httpx
from bench.open_loop import Maker, Seen
from bench.wrk_run import Conn

PASSWORD = "bench-password-1"
ADMIN_SITE_ID, ADMIN_PASSWORD = "admin", "casino1234!"  # the seed's admin (development/test seed password)


@dataclass(frozen=True)
class Kind:
    """One request kind: what each connection sends and which answers count as served."""

    name: str
    group: str  # "health", "read" (GET, target 0.40) or "write" (target 0.20)
    method: str
    path: str
    body: str | None = None
    expected: frozenset[str] = frozenset({"200"})
    mode: str = "plain"  # "crash": bet, then cash out the round it opened, per connection
    admin: bool = False  # sent with the admin's token; "{uid}" in path is the connection's player
    note: str = ""


def kinds(shop_item_id: int) -> list[Kind]:
    """Every measured kind, in run order (history after the first games, so its pages are not empty)."""
    ok = frozenset({"200", "201"})
    return [
        Kind("balance", "read", "GET", "/api/users/balance"),
        Kind("me", "read", "GET", "/api/auth/me"),
        Kind("slot_spin", "write", "POST", "/api/games/slot/spin", '{"bet":10}'),
        Kind("history", "read", "GET", "/api/games/history"),
        Kind("rps_play", "write", "POST", "/api/games/rps/play", '{"bet":10,"choice":"rock"}'),
        Kind("gacha_pull", "write", "POST", "/api/games/gacha/pull", '{"count":1}'),
        Kind("shop_buy", "write", "POST", "/api/shop/buy", f'{{"product_id":{shop_item_id},"quantity":1}}', ok),
        Kind("streak_tick", "write", "POST", "/api/streak/tick"),
        Kind("crash_bet_cashout", "write", "POST", "/api/games/crash/bet", '{"bet":10}',
             frozenset({"bet:200", "cashout:200", "cashout:409"}), mode="crash",
             note="alternating bet / cash-out of that round per connection; 409 ROUND_CRASHED is a served answer"),
        Kind("admin_grant", "write", "POST", "/api/admin/users/{uid}/gold/grant", '{"amount":1,"reason":"bench"}',
             ok, admin=True, note="admin gold grant to the connection's player (one admin token)"),
        Kind("streak_claim", "write", "POST", "/api/streak/claim", None, frozenset({"200", "409"}),
             note="pays once a day: after each player's first claim this is the 409 ALREADY_CLAIMED path"),
    ]


HEALTH = Kind("health", "health", "GET", "/health")


@dataclass
class Players:
    """Signed-up players (token, user id) and the seed admin's token."""

    tokens: list[str]
    user_ids: list[int]
    admin_token: str
    ids_by_token: dict[str, int] = field(default_factory=dict)

    def conns(self, kind: Kind, n: int) -> list[Conn]:
        """One line per connection: connection i is player i (wrapping if there are fewer players)."""
        out = []
        for i in range(n):
            token, uid = self.tokens[i % len(self.tokens)], self.user_ids[i % len(self.user_ids)]
            if kind.group == "health":
                out.append(Conn(None, kind.path))
            else:
                out.append(Conn(self.admin_token if kind.admin else token, kind.path.replace("{uid}", str(uid)),
                                kind.body))
        return out


async def _signup(client: httpx.AsyncClient, gate: asyncio.Semaphore, i: int, tag: str) -> tuple[str, int]:
    async with gate:  # argon2 hashing: a few at a time so sign-up does not starve the shared CPUs
        site = f"wb{tag}{i:03d}"
        r = await client.post("/api/auth/signup", json={"site_id": site, "nickname": f"n{site}", "password": PASSWORD})
        r.raise_for_status()
        token = r.json()["access_token"]
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        me.raise_for_status()
        return token, int(me.json()["id"])


async def make_players(base_url: str, n: int, tag: str) -> Players:
    """Sign up n players (their gold is the server's CASINO_STARTING_GOLD) and log in the seed admin."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        gate = asyncio.Semaphore(4)
        pairs = await asyncio.gather(*[_signup(client, gate, i, tag) for i in range(n)])
        r = await client.post("/api/auth/login", json={"site_id": ADMIN_SITE_ID, "password": ADMIN_PASSWORD})
        r.raise_for_status()
    return Players([t for t, _ in pairs], [u for _, u in pairs], r.json()["access_token"])


def cheapest_gold_item(base_url: str, token: str) -> int:
    """The cheapest purchasable product priced in gold (an item, settled at once from the balance)."""
    catalog = httpx.get(base_url + "/api/shop/catalog", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    catalog.raise_for_status()
    items = [p for group in catalog.json().values() if isinstance(group, list) for p in group
             if p["currency"] == "gold" and p["purchasable"] and not p.get("limited")]
    return int(min(items, key=lambda p: p["effective_price"])["id"])


def statements_total(base_url: str) -> float:
    """The server's casino_db_statements_total (SQL statements sent so far)."""
    text = httpx.get(base_url + "/metrics", timeout=30).text
    match = re.search(r"^casino_db_statements_total (\S+)$", text, re.M)
    return float(match.group(1)) if match else float("nan")


def statements_alone(base_url: str, kind: Kind, players: Players, n: int = 20) -> float:
    """SQL statements per request with the server otherwise idle: n sequential requests, minus the idle rate.

    The in-run count also includes background jobs (the outbox relay publishing what the run wrote, settlers),
    which lag behind the requests that caused them; this one is the request's own statements.
    """
    conn = players.conns(kind, 1)[0]
    headers = {"Authorization": f"Bearer {conn.token}"} if conn.token else {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        time.sleep(0.5)  # let the relay and settlers catch up with the last load
        idle_from, idle_t0 = statements_total(base_url), time.perf_counter()
        time.sleep(1.0)
        idle_rate = (statements_total(base_url) - idle_from) / (time.perf_counter() - idle_t0)
        start, t0 = statements_total(base_url), time.perf_counter()
        round_id = None
        for _ in range(n):
            if kind.method == "GET":
                client.get(conn.path, headers=headers)
                continue
            path, body = conn.path, conn.body
            if kind.mode == "crash" and round_id:
                path, body, round_id = "/api/games/crash/cashout", f'{{"round_id":{round_id}}}', None
            r = client.post(path, content=body or "", headers={**headers, "Content-Type": "application/json",
                                                                 "Idempotency-Key": uuid.uuid4().hex})
            if kind.mode == "crash" and path == kind.path and r.status_code == 200:
                round_id = r.json()["round_id"]
        spent = statements_total(base_url) - start - idle_rate * (time.perf_counter() - t0)
    return round(max(0.0, spent) / n, 1)


def open_loop_maker(kind: Kind, players: Players) -> tuple[Maker, Seen]:
    """(make, seen) for bench.open_loop: arrival k goes to player k mod n.

    Crash pairs arrivals instead: 2j and 2j + 1 go to player j mod n, the second cashing out the round the
    first opened (a bet again when that answer has not come back yet).
    """
    conns = players.conns(kind, len(players.tokens))
    pending: dict[int, str] = {}  # arrival index of a bet → the round it opened (crash)

    def make(k: int) -> tuple[str, str, str | None, str | None, str]:
        if kind.mode == "crash":
            conn = conns[(k // 2) % len(conns)]
            if k % 2 and (round_id := pending.pop(k - 1, None)):
                return "POST", "/api/games/crash/cashout", conn.token, f'{{"round_id":{round_id}}}', "cashout:"
            return "POST", kind.path, conn.token, conn.body, "bet:"
        conn = conns[k % len(conns)]
        return kind.method, conn.path, conn.token, conn.body, ""

    def seen(k: int, status: int, answer: bytes) -> None:
        if kind.mode == "crash" and k % 2 == 0 and status == 200 and (
                m := re.search(rb'"round_id":(\d+),"game":"crash","status":"open"', answer)):
            pending[k] = m.group(1).decode()

    return make, seen
