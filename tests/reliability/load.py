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

# Server settings for the feature load: a sandbox gateway that succeeds, declines or stays pending at random,
# pending purchases and limited holds that expire within seconds, and a shop sweeper that runs often.
FEATURE_SETTINGS = {"payment_mode": "random", "payment_pending_timeout_s": "3", "shop_hold_s": "3",
                    "shop_job_interval_s": "0.5", "shop_purchase_rate_limit": "1000000"}


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
    rounds: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # user_id -> round ids
    receipts: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # user_id -> purchase receipts
    limited_bought: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # user_id -> limited buys
    claims: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # user_id -> reward ids
    games: bool = False
    limited_stock: int = 0

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
        self.products: list[int] = []  # gold-priced item and gold-pack product ids
        self.limited_product: int | None = None

    def enable_features(self, products: list[int], limited_product: int | None, limited_stock: int) -> None:
        """Turn on games, purchases, limited-stock buys and streak claims (once their endpoints exist)."""
        self.effects.games = True
        self.effects.limited_stock = limited_stock
        self.products = products
        self.limited_product = limited_product

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

    async def spin(self, player: Player) -> None:
        """Slot spin with a repeated key: one round."""
        responses = await self.keyed("POST", "/api/games/slot/spin", {"bet": 10}, lambda k: auth(player, k))
        body = self._settle(f"spin:{uuid.uuid4().hex}", responses, lambda b: str(b["round_id"]))
        if body:
            self.effects.rounds[player.user_id].add(body["round_id"])

    async def crash(self, player: Player, auto: float | None = None, cashout: bool | None = None) -> None:
        """Crash bet (auto cash-out, so the server settles it within seconds), sometimes a manual cash-out."""
        auto = auto or round(random.uniform(1.1, 1.6), 2)
        responses = await self.keyed("POST", "/api/games/crash/bet", {"bet": 10, "auto_cashout": auto},
                                     lambda k: auth(player, k))
        body = self._settle(f"crash:{uuid.uuid4().hex}", responses, lambda b: str(b["round_id"]))
        if body:
            self.effects.rounds[player.user_id].add(body["round_id"])
            if cashout if cashout is not None else random.random() < 0.5:
                await asyncio.sleep(random.uniform(0.0, 1.0))
                cashed = await self.keyed("POST", "/api/games/crash/cashout", {"round_id": body["round_id"]},
                                          lambda k: auth(player, k))
                self._settle(f"cashout:{uuid.uuid4().hex}", cashed, lambda b: str(b["round_id"]))

    async def buy(self, player: Player, product_id: int | None = None) -> None:
        """A purchase (gold item, or gold pack through the sandbox gateway) with a repeated key."""
        product_id = product_id or random.choice(self.products)
        responses = await self.keyed("POST", "/api/shop/buy", {"product_id": product_id, "quantity": 1},
                                     lambda k: auth(player, k))
        receipts = {_receipt(r) for r in responses} - {None}
        assert len(receipts) <= 1, f"one purchase key, several receipts: {receipts}"
        if receipts:
            self.effects.receipts[player.user_id].add(receipts.pop())  # type: ignore[arg-type]
            if product_id == self.limited_product and any(r.status_code in (200, 201, 202) for r in responses):
                self.effects.limited_bought[player.user_id] += 1
        else:
            self._settle(f"buy:{uuid.uuid4().hex}", responses, lambda b: b["receipt_code"])

    async def claim(self, player: Player) -> None:
        """Daily streak claim with a repeated key: at most one per day."""
        responses = await self.keyed("POST", "/api/streak/claim", None, lambda k: auth(player, k))
        body = self._settle(f"claim:{uuid.uuid4().hex}", responses, lambda b: str(b["reward_id"]))
        if body:
            self.effects.claims[player.user_id].add(body["reward_id"])

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
            ops: list[Any] = [self.grant, self.deduct, self.edit, self.read, "signup"]
            weights = [4, 3, 2, 3, 1]
            if self.effects.games:
                ops += [self.spin, self.crash, self.buy, self.claim, "limited"]
                weights += [5, 3, 2, 1, 1]
            op = random.choices(ops, weights=weights)[0]
            if op == "signup":
                await self.duplicate_signup()
            elif op == "limited":
                if self.limited_product is not None:
                    await self.buy(player, self.limited_product)
            else:
                await op(player)


def _receipt(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and "receipt_code" in body:
        return body["receipt_code"]
    details = (body.get("error") or {}).get("details") if isinstance(body, dict) else None
    return details.get("receipt_code") if isinstance(details, dict) else None


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
    if not effects.games:
        actual = dict(await db_rows(database_url,
                                    "SELECT user_id, balance FROM accounts WHERE user_id = ANY(:ids)", ids=list(expected)))
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
    if not effects.games:  # games, purchases and claims emit profile updates too
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
    counted = {"keys": effects.keys, "copies": effects.copies, "grants": len(effects.grants),
            "deducts": len(effects.deducts), "edits": sum(effects.edits.values()),
            "dup_signups": len(effects.signups)}
    if effects.games:
        counted.update(await check_features(database_url, effects, [p.user_id for p in players]))
    return counted


async def check_features(database_url: str, effects: Effects, ids: list[int]) -> dict[str, int]:
    """Rounds, stats, purchases, limited stock and streak claims agree with what clients were told."""
    rounds = await db_rows(database_url, "SELECT user_id, id, status FROM game_rounds WHERE user_id = ANY(:ids)",
                           ids=ids)
    by_user: dict[int, set[int]] = defaultdict(set)
    for user_id, round_id, status in rounds:
        by_user[user_id].add(round_id)
        assert status == "settled", f"round {round_id} still {status}"
    assert dict(by_user) == {u: r for u, r in effects.rounds.items() if r}, "rounds in the DB != rounds clients saw"
    stats = dict(await db_rows(database_url, "SELECT user_id, sum(rounds) FROM game_stats WHERE user_id = ANY(:ids) "
                                             "GROUP BY user_id", ids=ids))
    assert {u: int(n) for u, n in stats.items() if n} == {u: len(r) for u, r in by_user.items()}, "stats != rounds"
    stakes = await db_rows(database_url, "SELECT t.reference, count(*) FROM transfers t JOIN accounts a "
                                         "ON a.id = t.debit_account_id WHERE a.kind = 'player' "
                                         "AND t.reference = ANY(:refs) GROUP BY t.reference",
                           refs=[f"round:{r}" for rs in by_user.values() for r in rs])
    assert len(stakes) == len(rounds) and all(n == 1 for _, n in stakes), "a round without exactly one stake"
    txs = await db_rows(database_url, "SELECT user_id, receipt_code, status, hold_state FROM shop_transactions "
                                      "WHERE user_id = ANY(:ids)", ids=ids)
    seen: dict[int, set[str]] = defaultdict(set)
    for user_id, receipt, status, _ in txs:
        seen[user_id].add(receipt)
        assert status != "pending", f"purchase {receipt} left pending"
    assert dict(seen) == {u: r for u, r in effects.receipts.items() if r}, "purchases in the DB != receipts seen"
    credits = await db_rows(database_url, "SELECT reference, count(*) FROM transfers WHERE dedupe_key LIKE :pat "
                                          "AND reference = ANY(:refs) GROUP BY reference",
                            pat="purchase:%:credit", refs=[r for _, r, _, _ in txs])
    assert all(n == 1 for _, n in credits)
    succeeded = await db_scalar(database_url, "SELECT count(*) FROM shop_transactions WHERE user_id = ANY(:ids) "
                                              "AND status = 'success' AND currency = 'cents'", ids=ids)
    assert succeeded == len(credits), "a successful gold-pack purchase without exactly one credit"
    # `stock` is what is still sellable (taken at purchase, given back on failure), `sold` what was paid for.
    stock = await db_rows(database_url, "SELECT stock, sold FROM shop_limited_packages")
    for left, sold in stock:
        assert left >= 0 and sold >= 0 and left + sold == effects.limited_stock, (
            f"limited stock broken: {left} left + {sold} sold != {effects.limited_stock}")
    sold_tx = await db_scalar(database_url, "SELECT count(*) FROM shop_transactions WHERE package_id IS NOT NULL "
                                            "AND status = 'success'")
    assert sold_tx == sum(s for _, s in stock), "sold counter != successful limited purchases"
    over = await db_scalar(database_url, "SELECT count(*) FROM (SELECT user_id FROM shop_transactions WHERE "
                                         "package_id IS NOT NULL AND status = 'success' AND user_id = ANY(:ids) "
                                         "GROUP BY user_id HAVING count(*) > 1) x", ids=ids)
    assert over == 0, "per-user limit broken"
    claims = await db_rows(database_url, "SELECT user_id, count(*) FROM streak_claims WHERE user_id = ANY(:ids) "
                                         "GROUP BY user_id", ids=ids)
    assert all(n == 1 for _, n in claims), f"more than one streak claim in a day: {claims}"
    assert {u for u, _ in claims} == {u for u, r in effects.claims.items() if r}
    return {"rounds": len(rounds), "stake_transfers": len(stakes), "purchases": len(txs),
            "pack_credits": len(credits), "limited_sold": sum(s for _, s in stock),
            "limited_stock": effects.limited_stock, "streak_claims": len(claims)}
