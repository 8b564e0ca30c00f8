"""The bus interface: publish a player's event envelope or a control message; subscribers get both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

log = structlog.get_logger("casino_club.bus")


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One delivery: an outbox envelope for `user_id`, or a control message (user_id None)."""

    user_id: int | None
    payload: dict[str, Any]

    @property
    def is_control(self) -> bool:
        """Control messages (e.g. a session was revoked) are not player events."""
        return self.user_id is None


Handler = Callable[[BusMessage], None]
Wants = Callable[[int], bool]  # does this subscriber hold sockets for the player?


class Bus(Protocol):
    """At-most-once fan-out to every instance; the outbox table stays the source of truth."""

    def subscribe(self, handler: Handler, wants: Wants | None = None) -> None:
        """Call handler (synchronously, on the event loop) for every message this instance receives.

        With `wants`, player events it does not want may be dropped before they are even decoded.
        """
        ...

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call back after the subscription was re-established (messages may have been lost meanwhile)."""
        ...

    async def publish(self, user_id: int, envelope: dict[str, Any]) -> None:
        """Publish one player's event envelope."""
        ...

    async def publish_many(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Publish several envelopes, in the given order."""
        ...

    async def publish_control(self, message: dict[str, Any], confirm_s: float = 0.0) -> None:
        """Publish a control message to every instance.

        With `confirm_s`, return only once every instance that received it has run its handlers (or after
        confirm_s seconds): what a revocation needs before it answers.
        """
        ...

    async def run(self) -> None:
        """Keep the subscription alive until cancelled."""
        ...


class _Fanout:
    """Subscriber bookkeeping shared by both implementations."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._wants: list[Wants] | None = []  # None once a subscriber wants everything
        self._reconnect: list[Callable[[], None]] = []

    def subscribe(self, handler: Handler, wants: Wants | None = None) -> None:
        self._handlers.append(handler)
        if wants is None:
            self._wants = None
        elif self._wants is not None:
            self._wants.append(wants)

    def _wanted(self, user_ids: Iterable[int]) -> bool:
        """Whether any subscriber wants an event of one of these players."""
        if self._wants is None:
            return True
        return any(want(uid) for uid in user_ids for want in self._wants)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._reconnect.append(callback)

    def _dispatch(self, message: BusMessage) -> None:
        for handler in self._handlers:
            try:
                handler(message)
            except Exception:  # noqa: BLE001 - one broken subscriber must not starve the others; logged
                log.exception("bus_handler_failed")

    def _reconnected(self) -> None:
        for callback in self._reconnect:
            try:
                callback()
            except Exception:  # noqa: BLE001 - as above: logged, the next callback still runs
                log.exception("bus_reconnect_callback_failed")


class LocalBus(_Fanout):
    """In-process bus for a single instance (no Redis configured): publish calls the subscribers directly."""

    async def publish(self, user_id: int, envelope: dict[str, Any]) -> None:
        self._dispatch(BusMessage(user_id, envelope))

    async def publish_many(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        for user_id, envelope in items:
            self._dispatch(BusMessage(user_id, envelope))

    async def publish_control(self, message: dict[str, Any], confirm_s: float = 0.0) -> None:
        self._dispatch(BusMessage(None, message))  # handlers run synchronously: handled once this returns

    async def run(self) -> None:
        await asyncio.Event().wait()  # nothing to keep alive
