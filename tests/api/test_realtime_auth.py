"""Realtime socket security over real sockets: Origin, tokens, logout/expiry closing, frame limits, heartbeat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import websockets

from casino_club.kit.runtime import Runtime
from tests.support.api import login, signup
from tests.support.ws import connect, open_synced, serve_in_process

# Session checks against the database are slow here on purpose: closing on logout must come from the hook.
BASE = {"ws_session_check_s": 30.0, "ws_rate_per_s": 5.0, "ws_rate_burst": 10, "ws_max_message_bytes": 1024}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(BASE)


@pytest.fixture
async def ws_base(app_rt: tuple[object, Runtime]) -> AsyncIterator[str]:
    async with serve_in_process(app_rt[0]) as base:
        yield base


async def refused(base: str, token: str | None, **kw: object) -> int | None:
    sock = await connect(base, token, **kw)  # type: ignore[arg-type]
    return await sock.closed_with()


async def test_origin_and_tokens_are_checked(client: httpx.AsyncClient, ws_base: str, clock) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    assert await refused(ws_base, player.access_token, origin="https://evil.example") == 4403
    assert await refused(ws_base, player.access_token, origin="null") == 4403
    assert await refused(ws_base, None) == 4401
    assert await refused(ws_base, "not-a-jwt") == 4401
    assert await refused(ws_base, player.access_token[:-4] + "AAAA", via="query") == 4401
    # A non-browser client (no Origin) is allowed; the bearer subprotocol is echoed back.
    sock, snap = await open_synced(ws_base, player.access_token, origin=None)
    assert sock.conn.subprotocol == "bearer" and snap["profile"]["id"] == player.user_id
    await sock.close()
    clock.advance(timedelta(minutes=16))
    try:
        assert await refused(ws_base, player.access_token) == 4401
    finally:
        clock.advance(timedelta(minutes=-16))
    assert (await player.post("/api/auth/logout")).status_code == 204
    assert await refused(ws_base, player.access_token) == 4401
    with pytest.raises(websockets.InvalidStatus):  # not a WebSocket upgrade: plain HTTP 404 for other paths
        await websockets.connect(ws_base + "/api/realtime/nope", open_timeout=5)


async def test_logout_closes_that_sessions_sockets_at_once(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    other_login = await login(client, player.site_id, player.password)
    other_token = other_login.json()["access_token"]
    a1, _ = await open_synced(ws_base, player.access_token)
    a2, _ = await open_synced(ws_base, player.access_token, via="query")
    b, _ = await open_synced(ws_base, other_token)
    assert (await player.post("/api/auth/logout")).status_code == 204
    codes = await asyncio.gather(a1.closed_with(1.5), a2.closed_with(1.5))
    assert codes == [4401, 4401]
    # The other login session keeps its socket and still gets events.
    response = await client.post("/api/test/realtime/emit/notification", json={},
                                 headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 200
    assert (await b.events(1))[0]["type"] == "notification"
    await b.close()


async def test_token_expiry_closes_open_socket(client: httpx.AsyncClient, ws_base: str, clock) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    sock, _ = await open_synced(ws_base, player.access_token)
    clock.advance(timedelta(minutes=16))
    try:
        assert await sock.closed_with(3) == 4401
    finally:
        clock.advance(timedelta(minutes=-16))


BAD_FRAMES: list[tuple[str | bytes, int]] = [
    ("x" * 2000, 1009),
    ("{not json", 1007),
    ("[1, 2]", 1007),
    (b"\x00\x01", 1003),
    ('{"type": "resume", "last_seq": "7"}', 4400),
    ('{"type": "resume", "last_seq": -1}', 4400),
]


async def test_bad_client_frames_close_with_a_clear_code(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    socks = [(await open_synced(ws_base, player.access_token))[0] for _ in BAD_FRAMES]
    for sock, (frame, _) in zip(socks, BAD_FRAMES, strict=True):
        await sock.conn.send(frame)
    codes = await asyncio.gather(*(sock.closed_with() for sock in socks))
    assert list(codes) == [code for _, code in BAD_FRAMES]


async def test_rate_limit_ping_pong_and_unknown_types(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    sock, _ = await open_synced(ws_base, player.access_token)
    await sock.send({"type": "ping"})
    assert (await sock.recv_type("pong"))["seq"] is None
    await sock.send({"type": "subscribe", "topic": "x"})
    err = await sock.recv_type("error")
    assert err["data"] == {"code": "UNKNOWN_TYPE", "type": "subscribe"}
    for _ in range(30):  # burst 10 at 5/s
        await sock.send({"type": "pong"})
    assert await sock.closed_with() == 4429


@pytest.mark.parametrize("settings_overrides", [{**BASE, "ws_heartbeat_s": 0.2, "ws_idle_timeout_s": 1.2}])
async def test_heartbeat_pings_and_idle_timeout(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    sock, _ = await open_synced(ws_base, player.access_token)
    for _ in range(4):  # answering pings keeps the socket open well past the idle timeout
        assert (await sock.recv(2))["type"] == "ping"
        await sock.send({"type": "pong"})
        await asyncio.sleep(0.25)
    assert await sock.closed_with(4) == 4408
