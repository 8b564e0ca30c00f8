"""One WebSocket: strictly ordered, gap-free delivery with DB catch-up, resume and profile_update coalescing.

Only the connection's sender task writes to the socket; everything else (hub, reader, sweeper) queues work and
wakes it. The sender keeps `cursor`, the highest seq accounted for on this socket, and applies one rule to every
event, live or replayed: `seq <= cursor` → drop (duplicate); `seq == cursor + 1` → deliver; `seq > cursor + 1`
→ read the missing seqs from the outbox table first. The bus is therefore only a fast path: lost, duplicated or
reordered bus messages (Redis restart, two relays) never reach the client as gaps, duplicates or disorder.

Coalescing (`ws_coalesce_ms`, default 300 ms): a `profile_update` is sent at once unless one was sent on this
socket within the window; then it is held, and further consecutive `profile_update`s replace it (last wins).
The held one is sent when the window ends, or right before any other event (so order is kept), carrying
`coalesced_from` = the first seq it replaced. The held run is always a consecutive seq range, so the client rule
`(coalesced_from or seq) == last_seq + 1` is exact, and a resume after any delivered seq is exact as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from starlette.websockets import WebSocket, WebSocketState

from casino_club.realtime import protocol, service
from casino_club.realtime.protocol import Event

if TYPE_CHECKING:
    from casino_club.realtime.hub import Hub

log = structlog.get_logger("casino_club.realtime")

MAX_INBOX = 1000  # a slower client than this stops buffering live events and catches up from the table
FILL_BATCH = 500


class Signal:
    """A minimal asyncio.Event for one waiter (an Event carries a deque of waiters; thousands of sockets add up)."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        """Wake the waiter (or make the next wait return at once)."""
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def clear(self) -> None:
        """Reset."""
        self._set = False

    async def wait(self) -> None:
        """Return once set."""
        if self._set:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


class Connection:
    """State and sender loop of one socket."""

    __slots__ = ("ws", "hub", "user_id", "session_id", "token_exp", "cursor", "inbox", "wakeup", "fill_requested",
                 "resume_to", "controls", "close_code", "close_reason", "closed", "last_client_frame", "held",
                 "held_from", "held_until", "last_profile_sent", "window", "checked_seq", "next_ping")

    def __init__(self, ws: WebSocket, hub: Hub, user_id: int, session_id: str, token_exp: int) -> None:
        self.ws = ws
        self.hub = hub
        self.user_id = user_id
        self.session_id = session_id
        self.token_exp = token_exp
        self.cursor = 0
        self.inbox: list[Event] = []  # a list, not a deque: most sockets are idle and an empty deque costs ~600 B
        self.wakeup = Signal()
        self.fill_requested = False
        self.resume_to: int | None = None
        self.controls: list[str] = []  # control frames waiting for the sender (ping, pong, error)
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = False
        self.last_client_frame = time.monotonic()
        self.held: Event | None = None
        self.held_from = 0
        self.held_until = 0.0
        self.last_profile_sent = float("-inf")
        self.window = hub.rt.settings.ws_coalesce_ms / 1000
        self.checked_seq = 0  # the player's latest seq at the previous session check (lost-message detection)
        self.next_ping = self.last_client_frame + hub.rt.settings.ws_heartbeat_s

    # --- called from other tasks (never block, never write to the socket) ---
    def offer(self, event: Event) -> None:
        """A live event for this player from the bus."""
        if len(self.inbox) >= MAX_INBOX:
            self.inbox.clear()
            self.fill_requested = True
        else:
            self.inbox.append(event)
        self.wakeup.set()

    def request_fill(self) -> None:
        """Re-read everything after the cursor from the table (bus messages may have been lost)."""
        self.fill_requested = True
        self.wakeup.set()

    def request_resume(self, last_seq: int) -> None:
        """Client asked for every event after last_seq."""
        self.resume_to = last_seq
        self.wakeup.set()

    def send_control(self, type_: str, data: dict[str, Any] | None = None) -> None:
        """Queue a control frame (pong, error)."""
        self.queue_text(protocol.control(type_, self.hub.rt.clock.now(), data))

    def queue_text(self, text: str) -> None:
        """Queue an already serialized control frame (e.g. the ping shared by every socket)."""
        self.controls.append(text)
        self.wakeup.set()

    def request_close(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket with this code (first request wins)."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self.wakeup.set()

    # --- the sender task ---
    async def run_sender(self) -> None:
        """Deliver until closed."""
        try:
            while self.close_code is None:
                await self._wait()
                await self._step()
            await self._close()
        except SQLAlchemyError as exc:
            # Database unavailable for a resume/snapshot: close with 1011 so the client reconnects and resumes.
            log.warning("ws_sender_db_error", user_id=self.user_id, error=repr(exc))
            self.request_close(protocol.CLOSE_INTERNAL, "temporarily unavailable")
            with contextlib.suppress(OSError, RuntimeError):
                await self._close()
        except (OSError, RuntimeError) as exc:
            # The peer went away mid-send (Starlette raises RuntimeError on a closed socket): just stop.
            log.debug("ws_send_stopped", user_id=self.user_id, error=repr(exc))
        finally:
            self.closed = True

    async def _wait(self) -> None:
        if self.held is None:
            await self.wakeup.wait()
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, self.held_until - time.monotonic())):
                    await self.wakeup.wait()
        self.wakeup.clear()

    async def _step(self) -> None:
        if self.close_code is not None:
            return
        while self.controls:
            await self._send(self.controls.pop(0))
        if self.resume_to is not None:
            last_seq, self.resume_to = self.resume_to, None
            await self._resume(last_seq)
        if self.fill_requested:
            self.fill_requested = False
            await self._fill()
        while self.inbox and self.close_code is None:
            event = self.inbox.pop(0)
            if event.seq <= self.cursor:
                continue
            if event.seq > self.cursor + 1:
                await self._fill()
                if event.seq <= self.cursor:
                    continue
                if event.seq > self.cursor + 1:  # the table lacks seqs before it (pruned): start over
                    await self._resync(self.cursor)
                    continue
            await self._deliver(event)
        if self.held is not None and time.monotonic() >= self.held_until:
            await self._flush_held()

    async def _deliver(self, event: Event) -> None:
        now = time.monotonic()
        if event.type == protocol.PROFILE_UPDATE:
            if self.held is not None:
                self.held = event
            elif now - self.last_profile_sent < self.window:
                self.held, self.held_from = event, event.seq
                self.held_until = self.last_profile_sent + self.window
            else:
                await self._send(event.text())
                self.last_profile_sent = now
            self.cursor = event.seq
            return
        if self.held is not None:
            await self._flush_held()
        await self._send(event.text())
        self.cursor = event.seq

    async def _flush_held(self) -> None:
        held, self.held = self.held, None
        assert held is not None
        await self._send(held.text(self.held_from if self.held_from < held.seq else None))
        self.last_profile_sent = time.monotonic()

    async def _fill(self) -> None:
        """Deliver every committed event after the cursor, from the table."""
        while self.close_code is None:
            try:
                async with self.hub.rt.sessionmaker() as session:
                    events = await service.events_after(session, self.user_id, self.cursor, FILL_BATCH)
            except SQLAlchemyError as exc:
                log.warning("ws_fill_failed", user_id=self.user_id, error=repr(exc))
                self.fill_requested = True  # the sweeper wakes us again
                return
            for event in events:
                if event.seq != self.cursor + 1:
                    await self._resync(self.cursor)
                    return
                await self._deliver(event)
            if len(events) < FILL_BATCH:
                return

    async def _resume(self, last_seq: int) -> None:
        """Replay every event after last_seq, or say resync_required when that history is gone."""
        self.held = None
        async with self.hub.rt.sessionmaker() as session:
            latest, first = await service.resume_point(session, self.user_id, last_seq)
        if last_seq > latest or (last_seq < latest and first != last_seq + 1):
            await self._resync(last_seq, latest, first)
            return
        self.cursor = last_seq
        await self._fill()
        await self._send(protocol.control("resumed", self.hub.rt.clock.now(),
                                          {"last_seq": last_seq, "through_seq": self.cursor}))

    async def _resync(self, last_seq: int, latest: int | None = None, oldest: int | None = None) -> None:
        """Tell the client its history is gone, then give it a fresh snapshot to continue from."""
        self.held = None
        async with self.hub.rt.sessionmaker() as session:
            snap = await service.snapshot(session, self.user_id)
        await self._send(protocol.control("resync_required", self.hub.rt.clock.now(), {
            "last_seq": last_seq, "latest_seq": snap["seq"] if latest is None else latest,
            "oldest_available_seq": oldest}))
        await self.send_snapshot(snap)

    async def send_snapshot(self, snap: dict[str, Any]) -> None:
        """Send a snapshot and continue live delivery from its seq."""
        await self._send(protocol.control("snapshot", self.hub.rt.clock.now(), snap))
        self.cursor = snap["seq"]

    async def _send(self, text: str) -> None:
        await self.ws.send_text(text)

    async def _close(self) -> None:
        if self.ws.application_state == WebSocketState.CONNECTED:
            await self.ws.close(self.close_code or protocol.CLOSE_NORMAL, self.close_reason)
