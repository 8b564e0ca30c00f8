"""Hypothesis properties of the ledger and the idempotency layer (in-process app, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from casino_club.auth.models import User
from casino_club.kit.errors import InsufficientGold
from casino_club.kit.runtime import Runtime, session_now
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.unit import Unit
from casino_club.wallet.models import Account, Transfer
from casino_club.wallet.service import System, balance_of, open_player_account
from casino_club.wallet.verify import verify_ledger
from tests.reliability.support import scale
from tests.support.api import Player

PROPS = settings(max_examples=scale(15, 200), deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

AMOUNT = st.integers(min_value=1, max_value=3000)
OP = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, 2), st.just(0), AMOUNT),
    st.tuples(st.just("deduct"), st.integers(0, 2), st.just(0), AMOUNT),
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 2), AMOUNT),  # player -> house -> player
)


async def _new_user(rt: Runtime) -> int:
    async with rt.transaction() as s:
        now = session_now(s)
        name = f"h{uuid.uuid4().hex[:12]}"
        user = User(site_id=name, site_id_lower=name, nickname=name, nickname_lower=name, password_hash="x",
                    role="user", rank="STANDARD", xp=0, vip_points=0, event_seq=0, banned=False, totp_enabled=False,
                    created_at=now, updated_at=now)
        s.add(user)
        await s.flush()
        await open_player_account(s, user.id)
        return user.id


@dataclass(kw_only=True)
class _OpPlan(Plan):
    """One generated ledger operation as a settlement plan (the only way gold moves)."""

    op: tuple[str, int, int, int]
    users: list[int]

    def players(self) -> tuple[int, ...]:
        return tuple(sorted({self.users[self.op[1]], self.users[self.op[2]]}))

    def apply(self, unit: Unit) -> Answer:
        kind, a, b, amount = self.op
        ua, ub = self.users[a], self.users[b]
        if kind == "grant":
            unit.credit(ua, amount, System.ADMIN, "prop_grant")
            return Answer(200, {str(ua): amount})
        if kind == "deduct":
            unit.debit(ua, amount, System.ADMIN, "prop_deduct")
            return Answer(200, {str(ua): -amount})
        if a == b:
            return Answer(200, {})
        unit.debit(ua, amount, System.HOUSE, "prop_move_out")  # first: refused before anything moved
        unit.credit(ub, amount, System.HOUSE, "prop_move_in")
        return Answer(200, {str(ua): -amount, str(ub): amount})


async def _apply(writer: Any, users: list[int], op: tuple[str, int, int, int]) -> dict[int, int] | None:
    """Settle one operation through the app's settlement writer; the balance deltas, or None when refused."""
    try:
        answer = await writer.settle(_OpPlan(user_id=users[op[1]], op=op, users=users))
    except InsufficientGold:
        return None
    return {int(k): v for k, v in answer.body.items()}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Long runs send thousands of admin writes a minute: lift the per-admin and per-player write limits."""
    return {"write_rate_limit": 1_000_000, "admin_gold_rate_limit": 1_000_000}


@pytest.fixture
def ledger_tally(proved: Callable[..., None]) -> Iterator[dict[str, Any]]:
    """Counts across hypothesis examples, reported once when the test ends."""
    tally: dict[str, Any] = defaultdict(int)
    yield tally
    name = tally.pop("name", None)
    if name:
        proved(name, **tally)


@PROPS
@given(ops=st.lists(OP, max_size=20), concurrent=st.booleans())
async def test_ledger_any_sequence_keeps_invariants(rt: Runtime, settlement: Any, ops: list[tuple[str, int, int, int]],
                                                    concurrent: bool, ledger_tally: dict[str, Any]) -> None:
    users = [await _new_user(rt) for _ in range(3)]
    model = dict.fromkeys(users, 0)
    if concurrent:
        results = await asyncio.gather(*(_apply(settlement, users, op) for op in ops))
    else:
        results = []
        for op in ops:
            result = await _apply(settlement, users, op)
            # Sequentially the model predicts exactly which deductions are refused.
            kind, a, _, amount = op
            if kind in ("deduct", "move") and (kind == "deduct" or op[1] != op[2]):
                assert (result is None) == (model[users[a]] < amount)
            for user, delta in (result or {}).items():
                model[user] += delta
            results.append(result)
    if concurrent:
        for result in results:
            for user, delta in (result or {}).items():
                model[user] += delta
    async with rt.sessionmaker() as s:
        for user in users:
            balance = await balance_of(s, user)
            account_id = (await s.execute(select(Account.id).where(Account.user_id == user))).scalar_one()
            credits = (await s.execute(select(func.coalesce(func.sum(Transfer.amount), 0))
                                       .where(Transfer.credit_account_id == account_id))).scalar_one()
            debits = (await s.execute(select(func.coalesce(func.sum(Transfer.amount), 0))
                                      .where(Transfer.debit_account_id == account_id))).scalar_one()
            assert balance == model[user] == credits - debits and balance >= 0
        report = await verify_ledger(s)
    assert report.ok, report.problems
    ledger_tally["examples"] += 1
    ledger_tally["operations"] += len(ops)
    ledger_tally["refused"] += sum(r is None for r in results)
    ledger_tally["concurrent_examples"] += concurrent
    ledger_tally["name"] = "ledger property (balance == sum of transfers, >= 0, verify ok after each example)"


async def test_database_itself_refuses_negative_player_balances(rt: Runtime, proved: Callable[..., None]) -> None:
    user = await _new_user(rt)
    with pytest.raises(IntegrityError):
        async with rt.transaction() as s:
            await s.execute(text("UPDATE accounts SET balance = -1 WHERE user_id = :u"), {"u": user})
    proved("negative balance CHECK", direct_sql_attempts=1, refused_by_database=1)


@PROPS
@given(plan=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=12),
       concurrent=st.booleans())
async def test_idempotency_any_interleaving_one_effect_per_key(client: httpx.AsyncClient, admin: Player,
                                                               plan: list[tuple[int, int]], concurrent: bool,
                                                               ledger_tally: dict[str, Any]) -> None:
    grantee = admin.extra.get("grantee")
    if grantee is None:
        grantee = admin.extra["grantee"] = (await client.post("/api/auth/signup", json={
            "site_id": f"g{uuid.uuid4().hex[:10]}", "nickname": f"g{uuid.uuid4().hex[:10]}",
            "password": "password123"})).json()["user"]["id"]
    prefix = uuid.uuid4().hex[:8]
    amounts = [10, 20, 30]
    before = await _grantee_state(client, admin, grantee)

    async def send(key_i: int, body_i: int) -> tuple[int, int, httpx.Response]:
        for _ in range(200):
            response = await admin.post(f"/api/admin/users/{grantee}/gold/grant",
                                        json={"amount": amounts[body_i], "reason": "prop"}, idem=f"{prefix}-{key_i}")
            if not (response.status_code == 409 and response.json()["error"]["code"] == "IDEMPOTENCY_IN_FLIGHT"):
                return key_i, body_i, response
            await asyncio.sleep(0.01)
        raise AssertionError("key stayed in flight")

    if concurrent:
        outcomes = await asyncio.gather(*(send(k, b) for k, b in plan))
    else:
        outcomes = [await send(k, b) for k, b in plan]
    winners: dict[int, tuple[int, str]] = {}
    for key_i, body_i, response in outcomes:
        if response.status_code == 200:
            receipt = response.json()["receipt_code"]
            assert winners.setdefault(key_i, (body_i, receipt)) == (body_i, receipt), "one key, two effects"
    mismatches = 0
    for key_i, body_i, response in outcomes:
        if response.status_code != 200:
            assert response.status_code == 422 and response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
            assert winners[key_i][0] != body_i
            mismatches += 1
    if not concurrent:  # sequentially the first use of a key decides its body
        first: dict[int, int] = {}
        for key_i, body_i in plan:
            first.setdefault(key_i, body_i)
        assert {k: b for k, (b, _) in winners.items()} == first
    after = await _grantee_state(client, admin, grantee)
    assert after["transfers"] - before["transfers"] == len(winners)
    assert after["gold"] - before["gold"] == sum(amounts[b] for b, _ in winners.values())
    ledger_tally["examples"] += 1
    ledger_tally["requests"] += len(plan)
    ledger_tally["keys"] += len(winners)
    ledger_tally["mismatch_422"] += mismatches
    ledger_tally["name"] = "idempotency property (one effect per key, other body -> 422)"


async def _grantee_state(client: httpx.AsyncClient, admin: Player, user_id: int) -> dict[str, Any]:
    detail = await admin.get("/api/admin/ledger/verify")
    assert detail.status_code == 200 and detail.json()["ok"], detail.text
    rt = client._transport.app.state.rt  # type: ignore[attr-defined]
    async with rt.sessionmaker() as s:
        account_id = (await s.execute(select(Account.id).where(Account.user_id == user_id))).scalar_one()
        transfers = (await s.execute(select(func.count(Transfer.id)).where(
            Transfer.credit_account_id == account_id, Transfer.reason == "admin_grant"))).scalar_one()
        return {"gold": await balance_of(s, user_id), "transfers": transfers}
