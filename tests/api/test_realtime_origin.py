"""Realtime socket Origin rules over real sockets: same-origin on any host/port, trusted-proxy forwarding, the
configured extra list, refusals counted in /metrics; resume cursors validated before the hub registers anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from casino_club.kit.runtime import Runtime
from tests.support.api import signup
from tests.support.ws import Sock, connect, open_synced, serve_in_process

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "casino.example"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # Neither the default :8000 origins nor the test port: only "same origin" can admit the app's own pages.
    return {"cors_origins": ["https://partner.example"]}


@pytest.fixture
async def ws_base(app_rt: tuple[object, Runtime]) -> AsyncIterator[str]:
    async with serve_in_process(app_rt[0]) as base:
        yield base


async def metric(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    """One sample read from /metrics (0 when absent)."""
    text = (await client.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def open_with(base: str, token: str, query: str = "", **headers: str) -> Sock:
    """Connect with an Origin header and any other handshake headers."""
    kw: dict[str, Any] = {"subprotocols": ["bearer", token], "open_timeout": 10}
    if "Origin" in headers:
        kw["origin"] = headers.pop("Origin")
    return Sock(await websockets.connect(f"{base}/api/realtime/sync{query}", additional_headers=headers, **kw))


async def test_same_origin_on_any_port_is_accepted_and_others_refused(
        client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    own = ws_base.replace("ws://", "http://")  # a random port, in no configured list
    sock, snap = await open_synced(ws_base, player.access_token, origin=own)
    assert snap["profile"]["id"] == player.user_id
    await sock.close()
    # The configured list adds origins; case of the host and an explicit default port do not matter.
    sock, _ = await open_synced(ws_base, player.access_token, origin="https://partner.example")
    await sock.close()
    refused_before = await metric(client, "casino_ws_refused_total", reason="origin")
    port = int(own.rsplit(":", 1)[1])
    for origin in (own.replace("127.0.0.1", "localhost"),  # another host name for the same machine
                   own.replace("http://", "https://"),  # another scheme
                   f"http://127.0.0.1:{port + 1}",  # another port
                   "http://127.0.0.1", "null", "https://evil.example", f"{own}.evil.example"):
        s = await connect(ws_base, player.access_token, origin=origin)
        assert await s.closed_with() == 4403, origin
    assert await metric(client, "casino_ws_refused_total", reason="origin") - refused_before == 7
    # Forwarded headers from a trusted proxy (127.0.0.1 by default) name the origin the browser used.
    s = await open_with(ws_base, player.access_token, Origin="https://casino.example", **FORWARDED)
    assert (await s.recv_type("sync_connected"))["data"]["user_id"] == player.user_id
    await s.close()
    s = await open_with(ws_base, player.access_token, Origin="https://casino.example:443", **FORWARDED)
    await s.recv_type("sync_connected")
    await s.close()
    s = await open_with(ws_base, player.access_token, Origin="http://casino.example", **FORWARDED)
    assert await s.closed_with() == 4403  # the proxy said https


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": [], "forwarded_allow_ips": "10.9.9.9"}])
async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    s = await open_with(ws_base, player.access_token, Origin="https://casino.example", **FORWARDED)
    assert await s.closed_with() == 4403
    # The real Host still works; HTTP ignores the spoofed scheme too (no HSTS over plain HTTP).
    sock, _ = await open_synced(ws_base, player.access_token, origin=ws_base.replace("ws://", "http://"))
    await sock.close()
    response = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in response.headers


BAD_CURSORS = ["%C2%B2", "", "-1", "1.5", "0x10", "%EF%BC%91", "9" * 5000, str(2**63), "1%200"]


async def test_bad_resume_cursor_is_refused_before_registering(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    own = ws_base.replace("ws://", "http://")
    gauge = await metric(client, "casino_ws_connections")
    refused = await metric(client, "casino_ws_refused_total", reason="cursor")
    for raw in BAD_CURSORS:
        s = await connect(ws_base, player.access_token, origin=own, query=f"last_seq={raw}")
        assert await s.closed_with() == 4400, raw[:20]
    assert await metric(client, "casino_ws_connections") == gauge  # no hub entry leaked
    assert await metric(client, "casino_ws_refused_total", reason="cursor") - refused == len(BAD_CURSORS)
    # The largest valid cursor is ahead of every history: a resync, not an error.
    s = await connect(ws_base, player.access_token, origin=own, query=f"last_seq={2**63 - 1}")
    await s.recv_type("sync_connected")
    await s.recv_type("snapshot")
    assert (await s.recv_type("resync_required"))["data"]["last_seq"] == 2**63 - 1
    await s.recv_type("snapshot")
    # In a frame the same bounds apply: out of range closes 4400 instead of reaching the database.
    await s.send({"type": "resume", "last_seq": 2**63})
    assert await s.closed_with() == 4400
    sock, _ = await open_synced(ws_base, player.access_token, origin=own)
    await sock.send({"type": "resume", "last_seq": "0"})
    assert await sock.closed_with() == 4400
    assert await metric(client, "casino_ws_connections") == gauge
