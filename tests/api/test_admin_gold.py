"""Admin gold grants/deductions: receipts, idempotency, insufficient gold, authorization, audit."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.admin.models import AuditLog
from casino_club.kit.runtime import Runtime
from casino_club.wallet.models import Transfer
from tests.support.api import Player, key, signup


async def test_grant_and_deduct_with_receipts_and_audit(client: httpx.AsyncClient, admin, rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 250, "reason": "event prize"})
    assert grant.status_code == 200, grant.text
    receipt = grant.json()
    assert receipt["receipt_code"].startswith("GR-") and receipt["balance_before"] == 1000
    assert receipt["balance_after"] == 1250 and await player.gold() == 1250
    deduct = await admin.post(f"/api/admin/users/{player.user_id}/gold/deduct", json={"amount": 50, "reason": "correction"})
    assert deduct.status_code == 200 and deduct.json()["balance_after"] == 1200
    audit = (await admin.get("/api/admin/audit", params={"target_id": str(player.user_id)})).json()["items"]
    assert [a["action"] for a in audit] == ["gold.deduct", "gold.grant"]
    assert audit[1]["before"] == {"gold": 1000} and audit[1]["after"]["gold"] == 1250
    assert audit[1]["actor_id"] == admin.user_id and audit[1]["ip"] == "127.0.0.1"
    lines = (await player.get("/api/wallet/transactions")).json()["items"]
    assert [(line["amount"], line["reason"]) for line in lines] == [(-50, "admin_deduct"), (250, "admin_grant"),
                                                                    (1000, "signup_bonus")]
    actions = (await player.get("/api/actions/recent")).json()["items"]
    assert [a["kind"] for a in actions][:2] == ["admin_deduct", "admin_grant"]


async def test_replay_returns_same_receipt(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    k = key()
    body = {"amount": 100, "reason": "replay me"}
    first = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body, idem=k)
    second = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body, idem=k)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert first.json() == second.json()
    assert await player.gold() == 1100
    other_key = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 101, "reason": "x y"},
                                 idem=k)
    assert other_key.status_code == 422 and other_key.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await player.gold() == 1100


async def test_deduct_more_than_balance_changes_nothing(client: httpx.AsyncClient, admin, rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    async with rt.sessionmaker() as s:
        before = (await s.execute(select(func.count(Transfer.id)))).scalar_one()
        audits = (await s.execute(select(func.count(AuditLog.id)))).scalar_one()
    k = key()
    response = await admin.post(f"/api/admin/users/{player.user_id}/gold/deduct", json={"amount": 1001, "reason": "too much"},
                                idem=k)
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_GOLD"
    assert await player.gold() == 1000
    async with rt.sessionmaker() as s:
        assert (await s.execute(select(func.count(Transfer.id)))).scalar_one() == before
        assert (await s.execute(select(func.count(AuditLog.id)))).scalar_one() == audits
    # Nothing was written, so the same key may be used again once the player can afford it.
    await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 1, "reason": "top up"})
    retry = await admin.post(f"/api/admin/users/{player.user_id}/gold/deduct", json={"amount": 1001, "reason": "too much"},
                             idem=k)
    assert retry.status_code == 200 and retry.json()["balance_after"] == 0


@pytest.mark.parametrize("body", [
    {"amount": 0, "reason": "zero"}, {"amount": -5, "reason": "negative"}, {"amount": 1.5, "reason": "float"},
    {"amount": "10", "reason": "string"}, {"amount": 10, "reason": "x"}, {"amount": 10, "reason": "y" * 121},
    {"amount": 10}, {"amount": 10, "reason": "ok ok", "extra": 1},
])
async def test_bad_amounts_are_422(client: httpx.AsyncClient, admin, body) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    response = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await player.gold() == 1000


async def test_admin_endpoints_401_403_404(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    url = f"/api/admin/users/{player.user_id}/gold/grant"
    anon = await client.post(url, json={"amount": 10, "reason": "nope"})
    assert anon.status_code == 401
    forbidden = await player.post(url, json={"amount": 10, "reason": "nope"})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "ADMIN_REQUIRED"
    for path in ("/api/admin/audit", "/api/admin/ledger/verify", "/api/admin/users", "/api/admin/economy",
                 "/api/admin/invite-codes"):
        assert (await client.get(path)).status_code == 401, path
        assert (await player.get(path)).status_code == 403, path
        assert (await admin.get(path)).status_code == 200, path
    missing = await admin.post("/api/admin/users/999999/gold/grant", json={"amount": 10, "reason": "ghost"})
    assert missing.status_code == 404
    assert await player.gold() == 1000


async def test_fifty_parallel_same_key_grants_make_one_transfer(client: httpx.AsyncClient, admin, rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    k = key()
    url = f"/api/admin/users/{player.user_id}/gold/grant"
    results = await asyncio.gather(*[admin.post(url, json={"amount": 7, "reason": "burst"}, idem=k) for _ in range(50)])
    codes = [r.status_code for r in results]
    assert set(codes) <= {200, 409}, codes
    receipts = {r.json()["receipt_code"] for r in results if r.status_code == 200}
    assert len(receipts) == 1
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_IN_FLIGHT" for r in results if r.status_code == 409)
    assert await player.gold() == 1007
    async with rt.sessionmaker() as s:
        count = (await s.execute(select(func.count(Transfer.id)).where(Transfer.reason == "admin_grant"))).scalar_one()
    assert count == 1


async def test_hundred_concurrent_grants_and_deducts_keep_ledger_clean(client: httpx.AsyncClient, admin, backend: str) -> None:  # type: ignore[no-untyped-def]
    players = [await signup(client) for _ in range(4)]
    calls = []
    for i in range(100):
        p = players[i % 4]
        direction = "grant" if i % 3 else "deduct"
        calls.append(admin.post(f"/api/admin/users/{p.user_id}/gold/{direction}", json={"amount": 300, "reason": f"load {i}"}))
    results = await asyncio.gather(*calls)
    assert {r.status_code for r in results} <= {200, 409}
    ok_deducts = sum(1 for r in results if r.status_code == 200 and r.json()["direction"] == "deduct")
    grants = sum(1 for r in results if r.status_code == 200 and r.json()["direction"] == "grant")
    assert grants == 66
    total = sum([await p.gold() for p in players])
    assert total == 4000 + 300 * grants - 300 * ok_deducts
    verify = (await admin.get("/api/admin/ledger/verify")).json()
    assert verify["ok"] is True and verify["problems"] == [] and verify["player_gold"] >= total


async def test_admin_gold_rate_limit_counts_attempts_not_replays(client: httpx.AsyncClient, rt: Runtime,
                                                                 admin: Player) -> None:
    rt.settings.admin_gold_rate_limit = 2
    player = await signup(client)
    body = {"amount": 5, "reason": "rate limit check"}
    k = key()
    first = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body, idem=k)
    assert first.status_code == 200, first.text
    for _ in range(3):  # the same key again: the stored receipt, not another attempt
        again = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body, idem=k)
        assert again.status_code == 200 and again.json() == first.json()
    assert (await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)).status_code == 200
    refused = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
    assert await player.gold() == 1000 + 10


async def test_rights_are_checked_in_the_grants_own_transaction(client: httpx.AsyncClient, admin: Player,
                                                                 promote, rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    body = {"amount": 10, "reason": "gift"}
    assert (await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)).status_code == 200
    await promote(admin.user_id, "user")  # demoted; the token still says admin
    demoted = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)
    assert demoted.status_code == 403 and demoted.json()["error"]["code"] == "ADMIN_REQUIRED"
    await promote(admin.user_id)
    assert (await admin.post(f"/api/admin/users/{player.user_id}/gold/deduct", json=body)).status_code == 200
    assert (await admin.post("/api/auth/logout")).status_code == 204
    ended = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)
    assert ended.status_code == 401
    refused = await player.post(f"/api/admin/users/{player.user_id}/gold/grant", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "ADMIN_REQUIRED"
    assert await player.gold() == 1000  # +10 -10, nothing else moved
