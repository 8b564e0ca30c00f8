"""Per-instance hub: which sockets each player has here, bus fan-in, and the sweeper for heartbeats,
session checks (logout, expiry, ban) and catch-up after lost bus messages."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import structlog
from sqlalchemy.exc import SQLAlchemyError

from casino_club.bus.base import BusMessage
from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import WS_CONNECTIONS
from casino_club.realtime import protocol, service
from casino_club.realtime.connection import Connection
from casino_club.realtime.protocol import Event

log = structlog.get_logger("casino_club.realtime")

SESSION_REVOKED = "session_revoked"
CHUNK = 500
LIVE_BACKLOG_MAX = 8  # a socket this far behind on control frames gets no more live ones (each supersedes the last)


class Hub:
    """Routes bus messages to this instance's sockets; one per Runtime."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.by_user: dict[int, set[Connection]] = defaultdict(set)
        self.count = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, conn: Connection) -> None:
        """Start routing the player's events to this socket."""
        self.by_user[conn.user_id].add(conn)
        self.count += 1
        WS_CONNECTIONS.inc()

    def unregister(self, conn: Connection) -> None:
        """Stop routing to this socket."""
        conns = self.by_user.get(conn.user_id)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        if not conns:
            del self.by_user[conn.user_id]
        self.count -= 1
        WS_CONNECTIONS.dec()

    def wants(self, user_id: int) -> bool:
        """Bus interest filter: does this instance hold a socket for the player?"""
        return user_id in self.by_user

    def connections(self) -> list[Connection]:
        """Every open socket on this instance."""
        return [c for conns in self.by_user.values() for c in conns]

    def on_bus_message(self, message: BusMessage) -> None:
        """Bus subscriber: hand events to the player's sockets; apply control messages."""
        if message.is_control:
            if message.payload.get("kind") == SESSION_REVOKED:
                revoked = set(message.payload.get("session_ids") or ())
                for conn in self.connections():
                    if conn.session_id in revoked:
                        conn.request_close(protocol.CLOSE_UNAUTHORIZED, "logged out")
            return
        assert message.user_id is not None
        conns = self.by_user.get(message.user_id)
        if not conns:
            return
        event = Event.of(message.payload)
        for conn in conns:
            conn.offer(event)

    def send_live(self, user_id: int, type_: str, data: dict[str, object]) -> None:
        """A control frame (no seq, not stored, not replayed) to the player's sockets on this instance."""
        conns = self.by_user.get(user_id)
        if not conns:
            return
        text = protocol.control(type_, self.rt.clock.now(), data)  # serialized once for every tab
        for conn in conns:
            if len(conn.controls) < LIVE_BACKLOG_MAX:  # a stalled reader must not pile them up
                conn.queue_text(text)

    def catch_up_all(self) -> None:
        """Bus reconnected: sockets re-read what they may have missed (only those that are behind)."""
        if self.connections():
            task = asyncio.create_task(self._catch_up(), name="ws-catch-up")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _catch_up(self) -> None:
        conns = self.connections()
        for start in range(0, len(conns), CHUNK):
            chunk = conns[start:start + CHUNK]
            try:
                async with self.rt.sessionmaker() as session:
                    seqs = await service.latest_seqs(session, {c.user_id for c in chunk})
            except SQLAlchemyError as exc:
                log.warning("ws_catch_up_failed", error=repr(exc))
                for conn in chunk:
                    conn.request_fill()  # cannot tell who is behind: let each socket look
                continue
            for conn in chunk:
                if conn.cursor < seqs.get(conn.user_id, 0):
                    conn.request_fill()

    def sweep_local(self) -> None:
        """Checks that need no database: token expiry, idle sockets, pings.

        Each socket is pinged `ws_heartbeat_s` after its previous ping, so pings are spread by connect time
        instead of waking every socket in the same tick; one serialized ping frame is shared by all of them.
        """
        now = self.rt.clock.now().timestamp()
        mono = time.monotonic()
        idle_limit = mono - self.rt.settings.ws_idle_timeout_s
        ping: str | None = None
        for conn in self.connections():
            if conn.token_exp <= now:
                conn.request_close(protocol.CLOSE_UNAUTHORIZED, "token expired")
            elif conn.last_client_frame < idle_limit:
                conn.request_close(protocol.CLOSE_IDLE, "heartbeat timeout")
            elif conn.next_ping <= mono:
                ping = ping or protocol.control("ping", self.rt.clock.now())
                conn.queue_text(ping)
                conn.next_ping = mono + self.rt.settings.ws_heartbeat_s

    async def sweep_db(self) -> None:
        """Session liveness (logout on any instance, expiry, ban) and lost-message catch-up, in chunked queries."""
        now = self.rt.clock.now()
        live = [c for c in self.connections() if c.close_code is None]
        for start in range(0, len(live), CHUNK):
            chunk = live[start:start + CHUNK]
            try:
                async with self.rt.sessionmaker() as session:
                    alive = await service.live_sessions(session, {c.session_id for c in chunk}, now)
                    seqs = await service.latest_seqs(session, {c.user_id for c in chunk})
            except SQLAlchemyError as exc:
                log.warning("ws_session_check_failed", error=repr(exc))
                return
            for conn in chunk:
                if conn.session_id not in alive:
                    conn.request_close(protocol.CLOSE_UNAUTHORIZED, "session ended")
                    continue
                # Events already committed at the previous check and still not delivered were lost on the bus
                # (or are very late): read them from the table. Comparing with the previous check, not this one,
                # keeps events merely in flight from triggering thousands of reads under load.
                if conn.cursor < conn.checked_seq:
                    conn.request_fill()
                conn.checked_seq = seqs.get(conn.user_id, 0)
