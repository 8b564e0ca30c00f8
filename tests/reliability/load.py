"""Mixed, key-repeating load against real servers, and the exactly-once accounting that checks it.

Every write is sent as 2–5 concurrent copies with the same Idempotency-Key (double clicks, retries,
replays through a load balancer); each copy retries on 409 IDEMPOTENCY_IN_FLIGHT and on transport errors
until it gets a final answer. `Effects` keeps what clients were told so the database can be checked
against it afterwards: one effect per key, nothing the clients were not told about.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.reliability.support import Tally, auth, db_rows, db_scalar, new_key, until_final
from tests.support.api import Player


@dataclass
class Effects:
    """Client-side record of every keyed write and its final answers."""

    keys: int = 0
    copies: int = 0
    # key -> set of distinct success bodies' identity (receipt code / nickname...)
    successes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    grants: dict[str, tuple[int, int]] = field(default_factory=dict)   # receipt -> (user_id, amount)
    deducts: dict[str, tuple[int, int]] = field(default_factory=dict)
    edits: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # user_id -> successful edit keys
    signups: dict[str, int] = field(default_factory=dict)  # site_id -> number of 201 answers
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # error code -> keys

    def doubled(self) -> list[str]:
        """Keys that got two different successful results (must be empty)."""
        return [k for k, v in self.successes.items() if len(v) > 1]


class MixedLoad:
    """Admin grants/deducts, profile edits, duplicate sign-ups and reads from many players."""

    def __init__(self, client: httpx.AsyncClient, bases: Callable[[], list[str]], admin: Player,
                 players: list[Player], tally: Tally, effects: Effects) -> None:
        self.client = client
        self.bases = bases
        self.admin = admin
        self.players = players
        self.tally = tally
        self.effects = effects

    async def keyed(self, method: str, path: str, body: Any, headers_for: Callable[[str], dict[str, str]],
                    copies: int | None = None, key: str | None = None) -> list[httpx.Response]:
        """Send `copies` concurrent copies of one keyed write; each is resolved to a final answer."""
        key = key or new_key()
        copies = copies or random.randint(2, 5)
        self.effects.keys += 1
        self.effects.copies += copies

        async def one() -> httpx.Response:
            async def send(base: str) -> httpx.Response:
                return await self.client.request(method, base + path, json=body, headers=headers_for(key))
            return await until_final(send, self.bases, self.tally)
        return list(await asyncio.gather(*(one() for _ in range(copies))))

    def _settle(self, key_label: str, responses: list[httpx.Response], identity: Callable[[dict], str]) -> dict | None:
        ok = [r for r in responses if r.status_code in (200, 201)]
        for r in ok:
            self.effects.successes[key_label].add(identity(r.json()))
        if not ok:
            for r in responses:
                try:
                    self.effects.refused[r.json()["error"]["code"]] += 1
                except (ValueError, KeyError, TypeError):
                    self.effects.refused[f"HTTP{r.status_code}"] += 1
                break
        return ok[0].json() if ok else None

    async def grant(self, player: Player) -> None:
        """Admin grant with a repeated key."""
        amount = random.randint(1, 500)
        path = f"/api/admin/users/{player.user_id}/gold/grant"
        responses = await self.keyed("POST", path, {"amount": amount, "reason": "load grant"},
                                     lambda k: auth(self.admin, k))
        body = self._settle(f"grant:{uuid.uuid4().hex}", responses, lambda b: b["receipt_code"])
        if body:
            self.effects.grants[body["receipt_code"]] = (player.user_id, amount)

    async def deduct(self, player: Player) -> None:
        """Admin deduction with a repeated key (may be refused with INSUFFICIENT_GOLD: no effect then)."""
        amount = random.randint(1, 1500)
        path = f"/api/admin/users/{player.user_id}/gold/deduct"
        responses = await self.keyed("POST", path, {"amount": amount, "reason": "load deduct"},
                                     lambda k: auth(self.admin, k))
        body = self._settle(f"deduct:{uuid.uuid4().hex}", responses, lambda b: b["receipt_code"])
        if body:
            self.effects.deducts[body["receipt_code"]] = (player.user_id, amount)

    async def edit(self, player: Player) -> None:
        """Profile edit with a repeated key."""
        nickname = f"e{uuid.uuid4().hex[:14]}"
        responses = await self.keyed("PUT", "/api/auth/me", {"nickname": nickname}, lambda k: auth(player, k))
        body = self._settle(f"edit:{nickname}", responses, lambda b: b["nickname"])
        if body:
            assert body["nickname"] == nickname
            self.effects.edits[player.user_id] += 1

    async def duplicate_signup(self) -> None:
        """The same sign-up sent 2–4 times at once: exactly one account."""
        site_id = f"d{uuid.uuid4().hex[:12]}"
        body = {"site_id": site_id, "nickname": f"n{site_id}", "password": "password123"}

        async def one() -> httpx.Response:
            async def send(base: str) -> httpx.Response:
                return await self.client.post(base + "/api/auth/signup", json=body)
            return await until_final(send, self.bases, self.tally)
        responses = await asyncio.gather(*(one() for _ in range(random.randint(2, 4))))
        self.effects.signups[site_id] = sum(r.status_code == 201 for r in responses)

    async def read(self, player: Player) -> None:
        """Reads that must never fail."""
        path = random.choice(["/api/users/balance", "/api/auth/me", "/api/wallet/transactions?limit=5"])

        async def send(base: str) -> httpx.Response:
            return await self.client.get(base + path, headers=auth(player))
        response = await until_final(send, self.bases, self.tally)
        assert response.status_code == 200, response.text

    async def player_session(self, player: Player, operations: int) -> None:
        """One player's stream of operations, mixed."""
        for _ in range(operations):
            op = random.choices([self.grant, self.deduct, self.edit, self.read, "signup"],
                                weights=[4, 3, 2, 3, 1])[0]
            if op == "signup":
                await self.duplicate_signup()
            else:
                await op(player)


async def check_exactly_once(database_url: str, effects: Effects, players: list[Player]) -> dict[str, int]:
    """The database agrees with what clients were told: one transfer per successful key, no extras."""
    assert not effects.doubled(), f"keys with two different successful results: {effects.doubled()[:5]}"
    rows = await db_rows(database_url, "SELECT reference, reason, count(*) FROM transfers "
                                       "WHERE reason IN ('admin_grant', 'admin_deduct') GROUP BY reference, reason")
    in_db = {ref: (reason, n) for ref, reason, n in rows}
    doubled = {ref: n for ref, (_, n) in in_db.items() if n != 1}
    assert not doubled, f"receipts with more than one transfer: {doubled}"
    told = {**{r: "admin_grant" for r in effects.grants}, **{r: "admin_deduct" for r in effects.deducts}}
    assert {r: reason for r, (reason, _) in in_db.items()} == told, (
        f"ledger and clients disagree: missing={set(told) - set(in_db)}, unknown={set(in_db) - set(told)}")
    # Balances: 1,000 sign-up gold + grants − deductions the clients were told about.
    expected = {p.user_id: 1000 for p in players}
    for user_id, amount in effects.grants.values():
        expected[user_id] += amount
    for user_id, amount in effects.deducts.values():
        expected[user_id] -= amount
    actual = dict(await db_rows(database_url, "SELECT user_id, balance FROM accounts WHERE user_id = ANY(:ids)",
                                ids=list(expected)))
    assert actual == expected
    # One profile_update event per successful grant, deduction and edit key.
    events = dict(await db_rows(database_url, "SELECT user_id, count(*) FROM outbox_events "
                                              "WHERE type = 'profile_update' AND user_id = ANY(:ids) GROUP BY user_id",
                                ids=list(expected)))
    want_events: dict[int, int] = defaultdict(int)
    for user_id, _ in [*effects.grants.values(), *effects.deducts.values()]:
        want_events[user_id] += 1
    for user_id, n in effects.edits.items():
        want_events[user_id] += n
    assert {u: n for u, n in events.items() if n} == {u: n for u, n in want_events.items() if n}
    # Duplicate sign-ups: exactly one 201 and one account (with one sign-up bonus) per site_id.
    assert all(n == 1 for n in effects.signups.values()), effects.signups
    if effects.signups:
        users = await db_scalar(database_url, "SELECT count(*) FROM users WHERE site_id = ANY(:ids)",
                                ids=list(effects.signups))
        bonuses = await db_scalar(database_url, "SELECT count(*) FROM transfers t JOIN accounts a "
                                                "ON a.id = t.credit_account_id JOIN users u ON u.id = a.user_id "
                                                "WHERE t.reason = 'signup_bonus' AND u.site_id = ANY(:ids)",
                                  ids=list(effects.signups))
        assert users == bonuses == len(effects.signups)
    return {"keys": effects.keys, "copies": effects.copies, "grants": len(effects.grants),
            "deducts": len(effects.deducts), "edits": sum(effects.edits.values()),
            "dup_signups": len(effects.signups)}
