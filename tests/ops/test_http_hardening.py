"""Security headers, CORS allow-list, body size limit and write/login rate limits over the in-process app."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import login, signup

EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_body_bytes": 4096, "write_rate_limit": 5, "login_per_ip_limit": 8,
            "cors_origins": ["https://casino.example"]}


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/health"), await client.get("/api/auth/me"),
                     await client.get("/no-such-page")):
        assert response.headers["content-security-policy"] == EXPECTED_CSP
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS
    assert (await client.post("/api/auth/login", json={"site_id": "x", "password": "y"})).headers[
        "cache-control"] == "no-store"


async def test_hsts_only_over_https(client: httpx.AsyncClient) -> None:
    proxied = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["strict-transport-security"].startswith("max-age=31536000")
    direct = await client.get("https://127.0.0.1:8000/health")
    assert "strict-transport-security" in direct.headers
    plain = await client.get("/health", headers={"X-Forwarded-Proto": "http"})
    assert "strict-transport-security" not in plain.headers


async def test_cors_allow_list(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = await client.options("/api/auth/login", headers={"Origin": "https://casino.example", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://casino.example"
    evil = await client.options("/api/auth/login", headers={"Origin": "https://evil.example", **preflight})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
    simple = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    big = {"site_id": "x" * 5000, "nickname": "n", "password": "password123"}
    response = await client.post("/api/auth/signup", json=big)
    assert response.status_code == 413
    body = response.json()["error"]
    assert body["code"] == "PAYLOAD_TOO_LARGE"
    assert body["request_id"] == response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"

    async def chunks():  # no Content-Length: the streamed body is counted as it arrives
        for _ in range(3):
            yield b"x" * 2000

    streamed = await client.post("/api/auth/signup", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


async def test_per_player_write_limit(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    statuses = [(await player.put("/api/auth/me", json={"nickname": f"n{i}{player.site_id}"})).status_code
                for i in range(7)]
    assert statuses[:5] == [200] * 5, statuses
    assert statuses[5:] == [429, 429]
    limited = await player.put("/api/auth/me", json={"nickname": "zz" + player.site_id})
    assert limited.headers["retry-after"].isdigit()
    other = await signup(client)  # the limit is per player, not global
    assert (await other.put("/api/auth/me", json={"nickname": "m" + other.site_id})).status_code == 200


async def test_login_attempts_limited_per_ip(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    # Different login ids from one address: the per-id lockout never triggers, the per-IP limit does.
    statuses = [(await login(client, f"nobody{i}", "wrong-password")).status_code for i in range(8)]
    assert set(statuses) == {401}
    assert (await login(client, player.site_id, player.password)).status_code == 429
