"""Real-socket helpers for realtime tests: an in-process uvicorn server and a small WebSocket client wrapper."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.servers import free_port

ORIGIN = "http://127.0.0.1:8000"


@contextlib.asynccontextmanager
async def serve_in_process(app: Any) -> AsyncIterator[str]:
    """Serve an app (whose lifespan already runs) on a real TCP port; yields the ws:// base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="websockets-sansio", proxy_headers=False,
                            ws_per_message_deflate=False, ws_ping_interval=None)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@dataclass
class Sock:
    """A connected client socket with helpers that decode envelopes."""

    conn: ClientConnection
    received: list[dict[str, Any]] = field(default_factory=list)

    async def recv(self, wait_s: float = 5.0) -> dict[str, Any]:
        """Next envelope."""
        message = json.loads(await asyncio.wait_for(self.conn.recv(), wait_s))
        self.received.append(message)
        return message

    async def recv_type(self, type_: str, wait_s: float = 5.0) -> dict[str, Any]:
        """Skip pings until an envelope of this type arrives (anything else fails the test)."""
        while True:
            message = await self.recv(wait_s)
            if message["type"] == "ping":
                continue
            assert message["type"] == type_, message
            return message

    async def events(self, n: int, wait_s: float = 10.0) -> list[dict[str, Any]]:
        """The next n seq-bearing events (control frames skipped)."""
        out: list[dict[str, Any]] = []
        async with asyncio.timeout(wait_s):
            while len(out) < n:
                message = await self.recv(wait_s)
                if message["seq"] is not None:
                    out.append(message)
        return out

    async def silent(self, seconds: float) -> list[dict[str, Any]]:
        """Collect whatever non-ping frames arrive within `seconds` (a test usually expects none)."""
        got: list[dict[str, Any]] = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    message = await self.recv(seconds + 1)
                    if message["type"] != "ping":
                        got.append(message)
        return got

    async def send(self, obj: Any) -> None:
        """Send a JSON frame."""
        await self.conn.send(json.dumps(obj))

    async def closed_with(self, wait_s: float = 5.0) -> int | None:
        """Wait for the server to close; returns the close code."""
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(wait_s):
                while True:
                    await self.conn.recv()
        return self.conn.close_code

    async def close(self) -> None:
        """Close from the client side."""
        await self.conn.close()


async def connect(base: str, token: str | None, *, origin: str | None = ORIGIN, via: str = "protocol",
                  query: str = "", headers: dict[str, str] | None = None) -> Sock:
    """Open /api/realtime/sync; `via` = 'protocol' (Sec-WebSocket-Protocol) or 'query'; extra handshake headers."""
    url = f"{base}/api/realtime/sync"
    kwargs: dict[str, Any] = {"open_timeout": 10, "max_size": 2**24, "additional_headers": headers}
    if origin is not None:
        kwargs["origin"] = origin
    params = [query] if query else []
    if token is not None and via == "protocol":
        kwargs["subprotocols"] = ["bearer", token]
    elif token is not None:
        params.append(f"token={token}")
    if params:
        url += "?" + "&".join(params)
    return Sock(await websockets.connect(url, **kwargs))


async def open_synced(base: str, token: str, **kw: Any) -> tuple[Sock, dict[str, Any]]:
    """Connect and read sync_connected + snapshot; returns the socket and the snapshot data."""
    sock = await connect(base, token, **kw)
    hello = await sock.recv_type("sync_connected")
    assert hello["seq"] is None
    snap = await sock.recv_type("snapshot")
    return sock, snap["data"]
