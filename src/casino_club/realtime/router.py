"""WebSocket /api/realtime/sync: authenticate, check Origin, send hello + snapshot, then read client frames.

Token: the `Sec-WebSocket-Protocol` header `bearer, <access token>` (preferred: browsers can set it and it stays
out of URLs and access logs; the server answers with the `bearer` subprotocol) or the `token` query parameter.

Origin: when the header is present it must be the socket's own origin (scheme, host and port of the request, a
trusted proxy's X-Forwarded-Proto/-Host applied: realtime/origin.py) or in `settings.ws_origins` (exact match; `*`
allowed outside production). A refused Origin is logged and counted (`casino_ws_refused_total`). A missing Origin is accepted (`ws_allow_missing_origin`, default on): browsers always send Origin on
WebSocket handshakes, so its absence means a non-browser client, which cross-site WebSocket hijacking cannot
use — and every socket needs a bearer token anyway, never a cookie.

Failures are reported as close codes after accepting the handshake (a handshake rejection only shows the
browser an opaque 403): 4403 bad Origin or banned, 4401 missing/invalid/expired/logged-out token, 4400 a resume
cursor (`last_seq`) that is not 0 <= n < 2**63 in ASCII digits. Nothing is registered before every check passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time

import structlog
from fastapi import APIRouter, WebSocket
from sqlalchemy.exc import SQLAlchemyError
from starlette.websockets import WebSocketState

from casino_club.auth.deps import authenticate
from casino_club.kit.errors import DomainError
from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import WS_REFUSED
from casino_club.realtime import protocol, service
from casino_club.realtime.connection import Connection
from casino_club.realtime.hub import Hub
from casino_club.realtime.origin import origin_allowed
from casino_club.realtime.runtime import get_realtime

log = structlog.get_logger("casino_club.realtime")
router = APIRouter(tags=["realtime"])

BEARER = "bearer"
MAX_SEQ = 2**63 - 1  # BIGINT: a larger cursor cannot name an event (and overflows the database driver)
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() accepts "²", which int() then refuses


def _token_and_protocol(ws: WebSocket) -> tuple[str | None, str | None]:
    offered = [p.strip() for p in ws.scope.get("subprotocols") or []]
    if BEARER in offered:
        at = offered.index(BEARER)
        token = offered[at + 1] if at + 1 < len(offered) else None
        return token, BEARER
    return ws.query_params.get("token"), None


def parse_cursor(raw: object) -> int | None:
    """A resume cursor from the query (text) or a frame (JSON int); None when it is not 0 <= n <= MAX_SEQ."""
    if type(raw) is int:
        return raw if 0 <= raw <= MAX_SEQ else None
    if isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
        return value if value <= MAX_SEQ else None
    return None


async def _refuse(ws: WebSocket, code: int, reason: str, metric: str) -> None:
    WS_REFUSED.labels(metric).inc()
    await ws.close(code, reason)


@router.websocket("/api/realtime/sync")
async def sync(ws: WebSocket) -> None:
    """Live events for the authenticated player (see realtime/protocol.py for the protocol)."""
    rt: Runtime = ws.app.state.rt
    hub = get_realtime(rt).hub
    try:
        conn = await _open(rt, hub, ws)
    except SQLAlchemyError as exc:
        # Database unavailable (e.g. connection limit): a clean 1011 tells the client to retry and resume.
        log.warning("ws_open_db_error", error=repr(exc))
        if ws.application_state == WebSocketState.CONNECTED:
            await ws.close(protocol.CLOSE_INTERNAL, "temporarily unavailable")
        return
    except Exception:
        # A bug, not an outage: still a close frame (the hub entry is already gone, see _open), never a dead socket.
        log.exception("ws_open_failed")
        if ws.application_state == WebSocketState.CONNECTED:
            await ws.close(protocol.CLOSE_INTERNAL, "internal error")
        return
    if conn is None:
        return
    sender: asyncio.Task[None] | None = None
    try:
        sender = asyncio.create_task(conn.run_sender(), name=f"ws-send-{conn.user_id}")
        await _read(rt, ws, conn)
    finally:
        hub.unregister(conn)
        if sender is not None:
            if conn.close_code is not None and not sender.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(sender), 2.0)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender


async def _open(rt: Runtime, hub: Hub, ws: WebSocket) -> Connection | None:
    """Handshake, checks, hello + snapshot; None when the socket was refused (and closed).

    Kept apart from `sync` so the user row, claims and snapshot it reads are freed once the socket is live:
    only the small Connection stays referenced for the socket's lifetime (memory per held socket).
    """
    token, subprotocol = _token_and_protocol(ws)
    await ws.accept(subprotocol=subprotocol)
    origin = ws.headers.get("origin")
    if not origin_allowed(origin, ws.url.scheme, ws.headers.get("host"), rt.settings.ws_origins,
                          rt.settings.ws_allow_missing_origin):
        log.warning("ws_origin_refused", origin=(origin or "")[:200], host=(ws.headers.get("host") or "")[:200])
        await _refuse(ws, protocol.CLOSE_FORBIDDEN, "origin not allowed", "origin")
        return None
    raw_seq = ws.query_params.get("last_seq")
    last_seq = None if raw_seq is None else parse_cursor(raw_seq)
    if raw_seq is not None and last_seq is None:
        await _refuse(ws, protocol.CLOSE_BAD_MESSAGE, "last_seq must be an integer 0..2^63-1", "cursor")
        return None
    if not token:
        await _refuse(ws, protocol.CLOSE_UNAUTHORIZED, "missing token", "token")
        return None
    try:
        principal = await authenticate(rt, token)
    except DomainError as exc:
        banned = exc.status == 403
        await _refuse(ws, protocol.CLOSE_FORBIDDEN if banned else protocol.CLOSE_UNAUTHORIZED, exc.code.lower(),
                      "banned" if banned else "token")
        return None
    conn = Connection(ws, hub, principal.user_id, principal.claims.session_id, principal.claims.exp)
    hub.register(conn)  # before the snapshot read, so no event can fall between snapshot and live
    try:
        async with rt.sessionmaker() as session:
            snap = await service.snapshot(session, principal.user_id)
        await ws.send_text(protocol.control("sync_connected", rt.clock.now(), {
            "user_id": principal.user_id, "latest_seq": snap["seq"], "heartbeat_s": rt.settings.ws_heartbeat_s,
            "max_message_bytes": rt.settings.ws_max_message_bytes,
            "retention_days": rt.settings.outbox_retention_days}))
        await conn.send_snapshot(snap)
        if last_seq is not None:
            conn.request_resume(last_seq)
    except BaseException:
        hub.unregister(conn)  # whatever went wrong, the hub keeps no entry for a socket nobody serves
        raise
    return conn


async def _read(rt: Runtime, ws: WebSocket, conn: Connection) -> None:
    """Read client frames until the socket closes or a limit is broken (then ask the sender to close)."""
    settings = rt.settings
    tokens, last = float(settings.ws_rate_burst), time.monotonic()
    while not conn.closed:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        now = time.monotonic()
        conn.last_client_frame = now
        tokens = min(float(settings.ws_rate_burst), tokens + (now - last) * settings.ws_rate_per_s)
        last = now
        if tokens < 1:
            return conn.request_close(protocol.CLOSE_RATE_LIMITED, "too many messages")
        tokens -= 1
        text = message.get("text")
        if text is None:
            return conn.request_close(protocol.CLOSE_UNSUPPORTED, "text frames only")
        if len(text) > settings.ws_max_message_bytes or len(text.encode()) > settings.ws_max_message_bytes:
            return conn.request_close(protocol.CLOSE_TOO_BIG, "message too big")
        try:
            frame = json.loads(text)
        except ValueError:
            return conn.request_close(protocol.CLOSE_BAD_PAYLOAD, "invalid JSON")
        if not isinstance(frame, dict):
            return conn.request_close(protocol.CLOSE_BAD_PAYLOAD, "expected a JSON object")
        kind = frame.get("type")
        if kind == "resume":
            raw = frame.get("last_seq")
            last_seq = parse_cursor(raw) if type(raw) is int else None  # a frame carries a JSON number
            if last_seq is None:
                return conn.request_close(protocol.CLOSE_BAD_MESSAGE, "last_seq must be an integer 0..2^63-1")
            conn.request_resume(last_seq)
        elif kind == "ping":
            conn.send_control("pong")
        elif kind == "pong":
            pass  # liveness only (last_client_frame updated above)
        else:
            conn.send_control("error", {"code": "UNKNOWN_TYPE", "type": str(kind)[:40]})
