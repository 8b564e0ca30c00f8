"""Accounts and sessions over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from urllib.parse import unquote

import httpx
import segno

from tests.support.api import login, make_admin, signup
from tests.support.totp import fresh_code


async def test_signup_grants_1000_gold_and_profile(client: httpx.AsyncClient) -> None:
    player = await signup(client, phone_number="010-1234-5678")
    me = await player.get("/api/auth/me")
    assert me.status_code == 200
    body = me.json()
    assert body["gold"] == 1000 and body["level"] == 1 and body["rank"] == "STANDARD" and body["role"] == "user"
    assert body["xp_to_next"] == 500
    assert await player.gold() == 1000
    ledger = (await player.get("/api/wallet/transactions")).json()["items"]
    assert [(line["amount"], line["reason"]) for line in ledger] == [(1000, "signup_bonus")]


async def test_signup_rejects_duplicates_and_bad_input(client: httpx.AsyncClient) -> None:
    await signup(client, site_id="dupe_user", nickname="Dupe")
    again = await client.post("/api/auth/signup", json={"site_id": "DUPE_user", "nickname": "x2", "password": "password1"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "SITE_ID_TAKEN"
    nick = await client.post("/api/auth/signup", json={"site_id": "other1", "nickname": "dupe", "password": "password1"})
    assert nick.status_code == 409 and nick.json()["error"]["code"] == "NICKNAME_TAKEN"
    short = await client.post("/api/auth/signup", json={"site_id": "ab", "nickname": "x", "password": "short"},
                              headers={"Accept-Language": "en"})
    err = short.json()["error"]
    assert short.status_code == 422 and err["code"] == "VALIDATION_ERROR" and err["message"] == "Some fields are invalid."
    assert {tuple(f["loc"])[-1] for f in err["details"]["fields"]} == {"site_id", "nickname", "password"}
    assert err["request_id"]


async def test_error_messages_follow_accept_language(client: httpx.AsyncClient) -> None:
    ko = await client.get("/api/auth/me")
    en = await client.get("/api/auth/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert ko.status_code == en.status_code == 401
    assert ko.json()["error"]["message"] == "로그인이 필요합니다."
    assert en.json()["error"]["message"] == "Sign in to continue."


async def test_login_by_site_id_or_nickname_and_lockout(client: httpx.AsyncClient) -> None:
    player = await signup(client, site_id="locky", nickname="LockNick")
    assert (await login(client, "locky", player.password)).status_code == 200
    assert (await login(client, "locknick", player.password)).status_code == 200
    for _ in range(5):
        bad = await login(client, "locky", "wrong-password")
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "INVALID_CREDENTIALS"
    locked = await login(client, "locky", player.password)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json()["error"]["code"] == "RATE_LIMITED"


async def test_refresh_rotation_and_reuse_revokes_family(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    first = await client.post("/api/auth/refresh", json={"refresh_token": player.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != player.refresh_token
    reuse = await client.post("/api/auth/refresh", json={"refresh_token": player.refresh_token})
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"
    # The whole family is gone: the newest refresh token and access token no longer work.
    after = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code == 401


async def test_refresh_cookie_is_httponly_strict(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/signup", json={"site_id": "cookie1", "nickname": "Cookie", "password": "password123"})
    cookie = response.headers["set-cookie"].lower()
    assert "cc_refresh=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    refreshed = await client.post("/api/auth/refresh")  # the client jar sends the cookie
    assert refreshed.status_code == 200
    cross = await client.post("/api/auth/refresh", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "CROSS_ORIGIN_REFUSED"


async def test_logout_invalidates_access_token_at_once(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    assert (await player.get("/api/auth/me")).status_code == 200
    assert (await player.post("/api/auth/logout", idem=False)).status_code == 204
    assert (await player.get("/api/auth/me")).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refresh_token": player.refresh_token})).status_code == 401


async def test_logout_all_and_password_change_end_other_sessions(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    second = (await login(client, player.site_id, player.password)).json()
    sessions = (await player.get("/api/auth/sessions")).json()
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    wrong = await player.put("/api/auth/me", json={"current_password": "nope-nope", "new_password": "newpassword1"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "WRONG_PASSWORD"
    changed = await player.put("/api/auth/me", json={"current_password": player.password, "new_password": "newpassword1"})
    assert changed.status_code == 200
    other = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert other.status_code == 401
    assert (await player.get("/api/auth/me")).status_code == 200
    assert (await login(client, player.site_id, "newpassword1")).status_code == 200
    assert (await player.post("/api/auth/logout-all", idem=False)).status_code == 204
    assert (await player.get("/api/auth/me")).status_code == 401


async def test_expired_and_forged_tokens_are_refused(client: httpx.AsyncClient, clock) -> None:  # type: ignore[no-untyped-def]
    import jwt

    player = await signup(client)
    forged = jwt.encode({"sub": str(player.user_id), "sid": "x", "jti": "y", "role": "admin", "iat": 0,
                         "exp": 9999999999}, "wrong-key-wrong-key-wrong-key-wrong", algorithm="HS256")
    none_alg = jwt.encode({"sub": str(player.user_id), "sid": "x", "jti": "y", "role": "admin", "iat": 0,
                           "exp": 9999999999}, None, algorithm="none")
    for token in (forged, none_alg, "garbage"):
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
    clock.advance(timedelta(minutes=16))
    assert (await player.get("/api/auth/me")).status_code == 401


async def test_profile_edit(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    await signup(client, nickname="TakenNick")
    taken = await player.put("/api/auth/me", json={"nickname": "takennick"})
    assert taken.status_code == 409
    ok = await player.put("/api/auth/me", json={"nickname": "Fresh Name", "phone_number": "010-9999-0000"})
    assert ok.status_code == 200 and ok.json()["nickname"] == "Fresh Name"


async def test_invite_codes(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    created = await admin.post("/api/admin/invite-codes", json={"code": "VIP2026", "max_uses": 1})
    assert created.status_code == 201, created.text
    first = await client.post("/api/auth/signup", json={"site_id": "inv1", "nickname": "Inv1", "password": "password123",
                                                         "invite_code": "VIP2026"})
    assert first.status_code == 201
    second = await client.post("/api/auth/signup", json={"site_id": "inv2", "nickname": "Inv2", "password": "password123",
                                                          "invite_code": "VIP2026"})
    assert second.status_code == 422 and second.json()["error"]["code"] == "INVALID_INVITE_CODE"
    listed = (await admin.get("/api/admin/invite-codes")).json()
    assert [(c["code"], c["uses"]) for c in listed] == [("VIP2026", 1)]


async def test_admin_totp_enforced(client: httpx.AsyncClient, promote) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    await promote(player.user_id)
    blocked = await player.get("/api/admin/audit")
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "TOTP_REQUIRED"
    enrol = (await player.post("/api/auth/totp/enroll")).json()
    secret = enrol["secret"]
    assert f"secret={secret}" in enrol["otpauth_uri"]
    # The QR image is an SVG data URI encoding exactly the otpauth URI of this enrolment.
    assert unquote(enrol["qr_svg"]).startswith("data:image/svg+xml;charset=utf-8,<svg")
    assert enrol["qr_svg"] == segno.make(enrol["otpauth_uri"], error="m").svg_data_uri(scale=5, border=2)
    assert (await player.post("/api/auth/totp/confirm", json={"code": fresh_code(secret)})).status_code == 200
    need = await login(client, player.site_id, player.password)
    assert need.status_code == 401 and need.json()["error"]["code"] == "OTP_REQUIRED"
    assert (await login(client, player.site_id, player.password, "000000")).status_code == 401
    code = fresh_code(secret)
    assert (await login(client, player.site_id, player.password, code)).status_code == 200
    assert (await player.get("/api/admin/audit")).status_code == 200
    replayed = await login(client, player.site_id, player.password, code)  # RFC 6238 §5.2: once only
    assert replayed.status_code == 401 and replayed.json()["error"]["code"] == "OTP_INVALID"
    assert (await login(client, player.site_id, player.password, fresh_code(secret))).status_code == 200


async def test_a_totp_code_replayed_concurrently_logs_in_once(client: httpx.AsyncClient, promote) -> None:  # type: ignore[no-untyped-def]
    admin = await make_admin(client, promote)
    assert admin.totp_secret
    code = fresh_code(admin.totp_secret)
    results = await asyncio.gather(*[login(client, admin.site_id, admin.password, code) for _ in range(4)])
    assert sorted(r.status_code for r in results) == [200, 401, 401, 401]
    assert {r.json()["error"]["code"] for r in results if r.status_code == 401} == {"OTP_INVALID"}


async def test_concurrent_signups_same_site_id_create_one(client: httpx.AsyncClient) -> None:
    body = {"site_id": "racer", "nickname": "Racer", "password": "password123"}
    results = await asyncio.gather(*[client.post("/api/auth/signup", json=body) for _ in range(5)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1 and set(codes) <= {201, 409}


async def test_lockout_counts_per_account_not_per_typed_name(client: httpx.AsyncClient) -> None:
    player = await signup(client, site_id="twonames", nickname="OtherName")
    for name in ("twonames", "othername", "TWONAMES", "OTHERNAME", "twonames"):
        assert (await login(client, name, "wrong-password")).status_code == 401
    locked = await login(client, "othername", player.password)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "RATE_LIMITED"


async def test_sessions_carry_a_readable_device_label(client: httpx.AsyncClient) -> None:
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"
    site_id = f"p{uuid.uuid4().hex[:10]}"
    r = await client.post("/api/auth/signup", headers={"User-Agent": firefox},
                          json={"site_id": site_id, "nickname": f"n{site_id}", "password": "password123"})
    assert r.status_code == 201
    await client.post("/api/auth/login", headers={"User-Agent": chrome},
                      json={"site_id": site_id, "password": "password123"})
    await client.post("/api/auth/login", headers={"User-Agent": "~~~"},
                      json={"site_id": site_id, "password": "password123"})
    rows = (await client.get("/api/auth/sessions",
                             headers={"Authorization": f"Bearer {r.json()['access_token']}"})).json()
    assert sorted((s["device"] or "-") for s in rows) == ["-", "Chrome on Linux", "Firefox on Windows"]
    assert {s["user_agent"] for s in rows} == {firefox, chrome, "~~~"}
