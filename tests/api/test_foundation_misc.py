"""Idempotency edge cases, action history, admin users, ops endpoints and the error envelope."""

from __future__ import annotations

import httpx

from tests.support.api import key, signup


async def test_idempotency_key_validation_and_header_alias(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    url = f"/api/admin/users/{player.user_id}/gold/grant"
    too_long = await admin.post(url, json={"amount": 5, "reason": "long key"}, idem="k" * 256)
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    k = key()
    first = await admin.post(url, json={"amount": 5, "reason": "alias"}, idem=False,
                             headers={"X-Idempotency-Key": k})
    replay = await admin.post(url, json={"reason": "alias", "amount": 5}, idem=k)  # same JSON, other key order
    assert first.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert await player.gold() == 1005


async def test_keys_are_scoped_per_user(client: httpx.AsyncClient) -> None:
    a, b = await signup(client), await signup(client)
    k = key()
    ra = await a.put("/api/auth/me", json={"nickname": f"A{a.user_id}x"}, idem=k)
    rb = await b.put("/api/auth/me", json={"nickname": f"B{b.user_id}x"}, idem=k)
    assert ra.status_code == rb.status_code == 200
    assert "Idempotent-Replayed" not in rb.headers


async def test_actions_recent_is_own_unless_admin(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    a, b = await signup(client), await signup(client)
    for i in range(3):
        await admin.post(f"/api/admin/users/{a.user_id}/gold/grant", json={"amount": 1 + i, "reason": f"gift {i}"})
    page1 = (await a.get("/api/actions/recent", params={"limit": 2})).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (await a.get("/api/actions/recent", params={"limit": 2, "cursor": page1["next_cursor"]})).json()
    ids = [x["id"] for x in page1["items"] + page2["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4  # 3 grants + signup
    assert (await b.get("/api/actions/recent", params={"user_id": a.user_id})).status_code == 403
    assert (await admin.get("/api/actions/recent", params={"user_id": a.user_id})).status_code == 200
    bad = await a.get("/api/actions/recent", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "INVALID_CURSOR"


async def test_admin_user_management(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client, nickname="FindMe")
    found = (await admin.get("/api/admin/users", params={"q": "findme"})).json()["items"]
    assert [u["id"] for u in found] == [player.user_id] and found[0]["gold"] == 1000
    rank = await admin.post(f"/api/admin/users/{player.user_id}/rank", json={"rank": "VIP"})
    assert rank.status_code == 200 and rank.json()["rank"] == "VIP"
    assert (await admin.post(f"/api/admin/users/{player.user_id}/rank", json={"rank": "GOD"})).status_code == 422
    ban = await admin.post(f"/api/admin/users/{player.user_id}/ban", json={"reason": "abuse"})
    assert ban.status_code == 200 and ban.json()["banned"] is True and ban.json()["active_sessions"] == 0
    assert (await player.get("/api/auth/me")).status_code in (401, 403)
    relog = await client.post("/api/auth/login", json={"site_id": player.site_id, "password": player.password})
    assert relog.status_code == 403 and relog.json()["error"]["code"] == "ACCOUNT_BANNED"
    assert (await admin.post(f"/api/admin/users/{player.user_id}/unban")).json()["banned"] is False
    self_ban = await admin.post(f"/api/admin/users/{admin.user_id}/ban", json={"reason": "oops"})
    assert self_ban.status_code == 409
    actions = {a["action"] for a in (await admin.get("/api/admin/audit")).json()["items"]}
    assert {"user.rank", "user.ban", "user.unban"} <= actions


async def test_health_ready_metrics_request_id(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True
    response = await client.get("/api/auth/me", headers={"X-Request-ID": "req-abcdef12"})
    assert response.headers["x-request-id"] == "req-abcdef12"
    assert response.json()["error"]["request_id"] == "req-abcdef12"
    metrics = await client.get("/metrics")
    assert "casino_http_request_duration_seconds_bucket" in metrics.text


async def test_oversized_body_is_413_and_unknown_route_404(client: httpx.AsyncClient) -> None:
    big = await client.post("/api/auth/login", content=b"{" + b" " * 1_100_000 + b"}",
                            headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    missing = await client.get("/api/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    malformed = await client.post("/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422


async def test_docs_are_self_hosted_under_strict_csp(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text
    assert "<script>" not in page.text  # no inline script: works under script-src 'self'
    bundle = await client.get("/docs-static/swagger-ui-bundle.js")
    init = await client.get("/docs-local/docs-init.js")
    assert bundle.status_code == init.status_code == 200 and "SwaggerUIBundle" in init.text
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Casino-Club F2P"


async def test_out_of_range_ids_are_422_on_every_backend(client: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    huge = "99999999999999999999"
    for method, path in (("POST", f"/api/admin/users/{huge}/unban"), ("GET", f"/api/admin/users/{huge}"),
                         ("GET", f"/api/actions/recent?user_id={huge}"), ("GET", f"/api/admin/audit?actor_id={huge}")):
        response = await (admin.post(path) if method == "POST" else admin.get(path))
        assert response.status_code == 422, (path, response.text)
