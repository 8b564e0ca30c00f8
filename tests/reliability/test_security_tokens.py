"""Tokens, sessions and browser-facing protections (OWASP ASVS V2/V3/V13/V14 items that apply)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import jwt

from casino_club.auth.deps import blacklist_key
from casino_club.kit.runtime import Runtime
from tests.reliability.security_support import code_of
from tests.support.api import Player, login, signup
from tests.support.constants import TEST_SECRET


def _claims(player: Player) -> dict[str, Any]:
    return jwt.decode(player.access_token, options={"verify_signature": False})


async def _status(client: httpx.AsyncClient, token: str, path: str = "/api/auth/me") -> int:
    return (await client.get(path, headers={"Authorization": f"Bearer {token}"})).status_code


async def test_forged_and_tampered_access_tokens_are_refused(client: httpx.AsyncClient, clock,  # type: ignore[no-untyped-def]
                                                             proved: Callable[..., None]) -> None:
    alice, bob = await signup(client), await signup(client)
    claims = _claims(alice)
    header_alg_none = jwt.encode(claims, None, algorithm="none")
    forged = {
        "alg=none": header_alg_none,
        "alg=none, empty signature kept": header_alg_none.rstrip(".") + ".",
        "wrong key": jwt.encode(claims, "another-secret-another-secret-another-secret", algorithm="HS256"),
        "allowed key, other alg (HS512)": _hs512(claims),
        "missing sid": jwt.encode({k: v for k, v in claims.items() if k != "sid"}, TEST_SECRET, algorithm="HS256"),
        "missing exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, TEST_SECRET, algorithm="HS256"),
        # Correctly signed, but bob's id on alice's session: the session row binds the user.
        "sub swapped onto another session": jwt.encode({**claims, "sub": str(bob.user_id)}, TEST_SECRET,
                                                       algorithm="HS256"),
        "unknown session": jwt.encode({**claims, "sid": "00000000-0000-0000-0000-000000000000"}, TEST_SECRET,
                                      algorithm="HS256"),
        "signature stripped": alice.access_token.rsplit(".", 1)[0] + ".",
        "payload tampered": _tamper(alice.access_token),
    }
    for name, token in forged.items():
        assert await _status(client, token) == 401, name
    # A correctly signed token claiming role=admin does not make a player an admin: the role comes from the DB.
    role_admin = jwt.encode({**claims, "role": "admin"}, TEST_SECRET, algorithm="HS256")
    assert await _status(client, role_admin, "/api/admin/ledger/verify") == 403
    # Expiry: the same token stops working once 15 minutes pass.
    assert await _status(client, alice.access_token) == 200
    clock.advance(timedelta(minutes=15, seconds=1))
    assert await _status(client, alice.access_token) == 401
    proved("forged/expired tokens", forged_refused=len(forged), role_claim_ignored=1, expired_refused=1)


def _hs512(claims: dict[str, Any]) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the key is short for SHA-512: that is the point
        return jwt.encode(claims, TEST_SECRET, algorithm="HS512")


def _tamper(token: str) -> str:
    import base64
    import json

    head, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["sub"] = str(int(data["sub"]) + 1)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{raw}.{sig}"


async def test_blacklisted_jti_and_logged_out_sessions_are_refused(rt: Runtime, client: httpx.AsyncClient,
                                                                   proved: Callable[..., None]) -> None:
    player = await signup(client)
    # The blacklist alone (without the session row) refuses a token: what logout relies on across instances.
    await rt.kv.flag(blacklist_key(_claims(player)["jti"]), 900)
    assert await _status(client, player.access_token) == 401
    other = await login(client, player.site_id, player.password)
    token = other.json()["access_token"]
    assert await _status(client, token) == 200
    assert (await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})).status_code == 204
    assert await _status(client, token) == 401
    proved("revocation", blacklisted_refused=1, logged_out_refused=1)


async def test_concurrent_refresh_reuse_revokes_the_family(client: httpx.AsyncClient,
                                                           proved: Callable[..., None]) -> None:
    player = await signup(client)
    racers = await asyncio.gather(*(client.post("/api/auth/refresh", json={"refresh_token": player.refresh_token})
                                    for _ in range(4)))
    ok = [r for r in racers if r.status_code == 200]
    assert len(ok) <= 1, "one refresh token rotated twice"
    assert all(code_of(r) in ("REFRESH_TOKEN_REUSED", "INVALID_TOKEN") for r in racers if r.status_code != 200)
    # Whatever won, the family is now revoked: every token derived from it is dead.
    for response in ok:
        assert await _status(client, response.json()["access_token"]) == 401
        again = await client.post("/api/auth/refresh", json={"refresh_token": response.json()["refresh_token"]})
        assert again.status_code == 401
    assert await _status(client, player.access_token) == 401
    proved("refresh reuse (4 concurrent)", rotations_won=len(ok), refused=len(racers) - len(ok), family_revoked=1)


async def test_login_throttling_and_password_change(client: httpx.AsyncClient, proved: Callable[..., None]) -> None:
    player = await signup(client)
    statuses = [(await login(client, player.site_id.upper(), "wrong-password")).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = await login(client, player.site_id, player.password)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    # Unknown accounts are throttled the same way and answer the same error (no account enumeration).
    ghost = [await login(client, "no-such-user-xyz", "wrong-password") for _ in range(6)]
    assert [r.status_code for r in ghost] == [401] * 5 + [429]
    assert code_of(ghost[0]) == "INVALID_CREDENTIALS"

    other = await signup(client)
    second = (await login(client, other.site_id, other.password)).json()
    changed = await other.put("/api/auth/me", json={"current_password": other.password,
                                                    "new_password": "another-password-1"})
    assert changed.status_code == 200
    assert await _status(client, second["access_token"]) == 401
    assert (await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})).status_code == 401
    assert await _status(client, other.access_token) == 200  # the session that changed it stays
    assert (await login(client, other.site_id, other.password)).status_code == 401
    proved("login throttling + password change", failures_before_lock=5, locked_429=2,
           other_sessions_ended=1, old_password_refused=1)


async def test_csrf_cookie_and_cors(client: httpx.AsyncClient, proved: Callable[..., None]) -> None:
    signed = await client.post("/api/auth/signup", json={"site_id": "csrf_user1", "nickname": "CsrfNick",
                                                          "password": "password123"})
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/api/auth" in cookie
    # The cookie only authenticates /api/auth/refresh; every other write needs the bearer header.
    assert client.cookies.get("cc_refresh")
    me = await client.put("/api/auth/me", json={"nickname": "Hijacked"}, headers={"Idempotency-Key": "c1"})
    assert me.status_code == 401
    cross = await client.post("/api/auth/refresh", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and code_of(cross) == "CROSS_ORIGIN_REFUSED"
    null_origin = await client.post("/api/auth/refresh", headers={"Origin": "null"})
    assert null_origin.status_code == 403
    same = await client.post("/api/auth/refresh", headers={"Origin": "http://127.0.0.1:8000"})
    assert same.status_code == 200
    # CORS: a hostile origin gets no grant to read responses or send credentials.
    pre = await client.options("/api/auth/me", headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "PUT"})
    assert pre.headers.get("access-control-allow-origin") in (None, "")
    ok_pre = await client.options("/api/auth/me", headers={"Origin": "http://127.0.0.1:8000",
                                                           "Access-Control-Request-Method": "PUT"})
    assert ok_pre.headers.get("access-control-allow-origin") == "http://127.0.0.1:8000"
    async with httpx.AsyncClient(transport=client._transport, base_url="https://casino.example") as https:
        secure = await https.post("/api/auth/signup", json={"site_id": "csrf_user2", "nickname": "CsrfNick2",
                                                            "password": "password123"})
        assert "secure" in secure.headers["set-cookie"].lower()
        assert "max-age=31536000" in secure.headers.get("strict-transport-security", "")
    proved("CSRF/cookies/CORS", cookie_only_write_401=1, cross_origin_refresh_403=2, hostile_preflight_denied=1,
           secure_cookie_on_https=1)


async def test_oversized_bodies_and_security_headers(client: httpx.AsyncClient, proved: Callable[..., None]) -> None:
    player = await signup(client)
    big = b'{"nickname": "' + b"x" * (1_048_576 + 10) + b'"}'
    declared = await client.put("/api/auth/me", content=big, headers={**player.headers, "Content-Type":
                                                                      "application/json", "Idempotency-Key": "b1"})
    assert declared.status_code == 413 and code_of(declared) == "PAYLOAD_TOO_LARGE"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536
    streamed = await client.post("/api/auth/signup", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    unauth_big = await client.post("/api/auth/login", content=big, headers={"Content-Type": "application/json"})
    assert unauth_big.status_code == 413
    page = await client.get("/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    api = await player.get("/api/auth/me")
    assert api.headers["x-content-type-options"] == "nosniff" and api.headers["content-type"].startswith(
        "application/json")
    proved("413 + headers", declared_413=1, chunked_413=1, unauthenticated_413=1, csp_checked=1)
