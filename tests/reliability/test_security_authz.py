"""Authorization of every documented operation (OWASP ASVS V4): 401 without a token, 403 for the wrong role,
403/404 for another player's resources, and the WebSocket's own checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest

from casino_club.kit.runtime import Runtime
from casino_club.seed import feature_seeders
from tests.reliability.security_support import PUBLIC, call, code_of, operations
from tests.support.api import Player, login, signup
from tests.support.totp import fresh_code


async def test_every_non_public_operation_requires_a_token(app_rt: tuple[Any, Runtime], client: httpx.AsyncClient,
                                                           proved: Callable[..., None]) -> None:
    ops = operations(app_rt[0])
    documented_public = {(op.method, op.path) for op in ops if not _secured(app_rt[0], op)}
    assert documented_public == PUBLIC & {(o.method, o.path) for o in ops}, (
        f"public operations changed: new={documented_public - PUBLIC}")
    checked = 0
    for op in ops:
        if (op.method, op.path) in PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                        {"Authorization": "Bearer not-a-jwt"}):
            response = await call(client, op, headers)
            assert response.status_code == 401, f"{op.method} {op.path} {headers}: {response.status_code}"
            assert code_of(response) in ("NOT_AUTHENTICATED", "INVALID_TOKEN")
            checked += 1
    proved("no/invalid token -> 401", operations=len(ops) - len(PUBLIC & {(o.method, o.path) for o in ops}),
           requests=checked, public_allow_list=len(PUBLIC))


def _secured(app: Any, op: Any) -> bool:
    return bool(app.openapi()["paths"][op.path][op.method.lower()].get("security"))


async def test_admin_operations_refuse_players_and_admins_without_totp(
        app_rt: tuple[Any, Runtime], client: httpx.AsyncClient, promote, proved: Callable[..., None]) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    no_totp = await signup(client)
    await promote(no_totp.user_id)
    admin_ops = [op for op in operations(app_rt[0]) if op.path.startswith("/api/admin")]
    assert len(admin_ops) >= 5
    for op in admin_ops:
        as_player = await call(client, op, player.headers)
        assert as_player.status_code == 403 and code_of(as_player) == "ADMIN_REQUIRED", (op, as_player.text)
        as_admin = await call(client, op, no_totp.headers)
        assert as_admin.status_code == 403 and code_of(as_admin) == "TOTP_REQUIRED", (op, as_admin.text)
    # The role is read from the database, not the token: a demoted admin's still-valid token stops working.
    await promote(no_totp.user_id, "user")
    assert (await call(client, admin_ops[0], no_totp.headers)).status_code == 403
    proved("admin routes: player -> 403, admin without TOTP -> 403", operations=len(admin_ops),
           requests=2 * len(admin_ops) + 1)


async def test_another_players_resources_are_invisible(rt: Runtime, client: httpx.AsyncClient,
                                                       proved: Callable[..., None]) -> None:
    async with rt.transaction() as session:
        for seeder in feature_seeders():
            await seeder(session)
    alice, bob = await signup(client), await signup(client)
    checks = 0

    async def refused(response: httpx.Response) -> None:
        nonlocal checks
        assert response.status_code in (403, 404), response.text
        checks += 1

    bet = await alice.post("/api/games/crash/bet", json={"bet": 10})
    assert bet.status_code == 200, bet.text
    round_id = bet.json()["round_id"]
    await refused(await bob.get(f"/api/games/crash/rounds/{round_id}"))
    await refused(await bob.post("/api/games/crash/cashout", json={"round_id": round_id}))
    assert (await alice.get(f"/api/games/crash/rounds/{round_id}")).status_code == 200
    await refused(await bob.get(f"/api/actions/recent?user_id={alice.user_id}"))
    alice_sessions = (await alice.get("/api/auth/sessions")).json()
    await refused(await bob.delete(f"/api/auth/sessions/{alice_sessions[0]['id']}"))
    assert (await alice.get("/api/auth/me")).status_code == 200
    catalog = (await alice.get("/api/shop/catalog")).json()
    pack = next(p for p in catalog["gold_packs"] if not p.get("limited"))
    bought = await alice.post("/api/shop/buy", json={"product_id": pack["id"], "quantity": 1})
    assert bought.status_code in (200, 201, 202, 402), bought.text
    receipt = bought.json().get("receipt_code") or bought.json().get("error", {}).get("details", {}).get(
        "receipt_code")
    assert receipt, bought.text
    await refused(await bob.get(f"/api/shop/transactions/{receipt}"))
    await refused(await bob.post(f"/api/shop/transactions/{receipt}/settle"))
    history = (await bob.get("/api/games/history")).json()
    assert all(r["round_id"] != round_id for r in history.get("items", [])), "bob sees alice's round"
    ledger = (await bob.get("/api/wallet/transactions")).json()["items"]
    assert all(line["reason"] == "signup_bonus" for line in ledger), "bob sees alice's ledger lines"
    proved("cross-player access -> 403/404", refused_requests=checks, leaks_in_lists=0)


async def test_websocket_requires_token_and_allowed_origin(app_rt: tuple[Any, Runtime], client: httpx.AsyncClient,
                                                           proved: Callable[..., None]) -> None:
    httpx_ws = pytest.importorskip("httpx_ws")
    from httpx_ws.transport import ASGIWebSocketTransport

    player = await signup(client)
    transport = ASGIWebSocketTransport(app=app_rt[0])
    outcomes = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as ws_client:
        cases = {
            "no token": ("/api/realtime/sync", {"origin": "http://127.0.0.1:8000"}, 4401),
            "bad token": ("/api/realtime/sync?token=garbage", {"origin": "http://127.0.0.1:8000"}, 4401),
            "evil origin": (f"/api/realtime/sync?token={player.access_token}", {"origin": "https://evil.example"},
                            4403),
        }
        for name, (url, headers, expected) in cases.items():
            async with httpx_ws.aconnect_ws(url, ws_client, headers=headers) as ws:
                with pytest.raises(httpx_ws.WebSocketDisconnect) as closed:
                    await ws.receive_text(timeout=5)
                outcomes[name] = closed.value.code
                assert closed.value.code == expected, (name, closed.value.code)
        # The right token from an allowed origin connects; after logout it no longer can.
        async with httpx_ws.aconnect_ws(f"/api/realtime/sync?token={player.access_token}", ws_client,
                                        headers={"origin": "http://127.0.0.1:8000"}) as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello.get("type") == "sync_connected" or "sync_connected" in str(hello)
        assert (await player.post("/api/auth/logout", idem=False)).status_code == 204
        async with httpx_ws.aconnect_ws(f"/api/realtime/sync?token={player.access_token}", ws_client,
                                        headers={"origin": "http://127.0.0.1:8000"}) as ws:
            with pytest.raises(httpx_ws.WebSocketDisconnect) as closed:
                await ws.receive_text(timeout=5)
            assert closed.value.code == 4401
    proved("websocket auth + origin", refused=len(cases) + 1, accepted=1)


async def test_admin_second_factor_is_enforced_at_login(client: httpx.AsyncClient, admin: Player,
                                                        proved: Callable[..., None]) -> None:
    assert admin.totp_secret
    missing = await login(client, admin.site_id, admin.password)
    assert missing.status_code == 401 and code_of(missing) == "OTP_REQUIRED"
    wrong_code = f"{(int(pyotp.TOTP(admin.totp_secret).now()) + 500000) % 1000000:06d}"
    wrong = await login(client, admin.site_id, admin.password, wrong_code)
    assert wrong.status_code == 401 and code_of(wrong) == "OTP_INVALID"
    ok = await login(client, admin.site_id, admin.password, fresh_code(admin.totp_secret))
    assert ok.status_code == 200
    again = await admin.post("/api/auth/totp/enroll")
    assert again.status_code == 409 or again.status_code == 400, "a second enrolment must not replace the secret"
    proved("admin TOTP at login", missing_otp_401=1, wrong_otp_401=1, valid_otp_200=1, re_enrol_refused=1)
