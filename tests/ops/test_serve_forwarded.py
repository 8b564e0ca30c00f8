"""`casino-club serve` behind a proxy: forwarded headers count only from CASINO_FORWARDED_ALLOW_IPS, and a refused
socket Origin is logged with the origin and counted in /metrics."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import Server, server_env
from tests.support.ws import connect, open_synced

# What nginx (deploy/nginx.conf) adds for a player on https://casino.example.
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "casino.example", "X-Forwarded-For": "203.0.113.7"}


async def refused_origin(base: str) -> float:
    async with httpx.AsyncClient() as c:
        text = (await c.get(base + "/metrics")).text
    return next((s.value for f in text_string_to_metric_families(text) for s in f.samples
                 if s.name == "casino_ws_refused_total" and s.labels.get("reason") == "origin"), 0.0)


async def token_of(base: str) -> str:
    site_id = f"f{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient() as c:
        r = await c.post(base + "/api/auth/signup", headers=PROXIED,
                         json={"site_id": site_id, "nickname": site_id, "password": "password123"})
    assert r.status_code == 201, r.text
    return str(r.json()["access_token"])


@pytest.mark.parametrize("trusted", [True, False])
async def test_forwarded_host_and_proto_only_from_a_trusted_proxy(tmp_path: Path, trusted: bool) -> None:
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'casino.db'}")
    env["CASINO_FORWARDED_ALLOW_IPS"] = "127.0.0.1" if trusted else "10.9.9.9"  # the test client is 127.0.0.1
    server = Server(env, log_path=tmp_path / "server.log").start()
    try:
        base = server.url.replace("http://", "ws://")
        token = await token_of(server.url)
        before = (await refused_origin(server.url))
        sock = await connect(base, token, origin="https://casino.example", headers=PROXIED)
        if trusted:  # the origin the browser used, as the proxy reports it
            assert (await sock.recv_type("sync_connected"))["data"]["latest_seq"] >= 0
            await sock.close()
            assert (await refused_origin(server.url)) == before
            async with httpx.AsyncClient() as c:
                sessions = await c.get(server.url + "/api/auth/sessions", headers={"Authorization": f"Bearer {token}"})
            assert sessions.status_code == 200 and "203.0.113.7" in sessions.text  # X-Forwarded-For applied once
        else:
            assert await sock.closed_with() == 4403
            assert (await refused_origin(server.url)) == before + 1
            log = (tmp_path / "server.log").read_text()
            assert "ws_origin_refused" in log and "https://casino.example" in log
        # Its own address works either way, with no origin setting.
        sock, _ = await open_synced(base, token, origin=server.url)
        await sock.close()
    finally:
        server.stop()
