"""The realtime objects of one app instance (bus, hub, relay), created once per Runtime, and their jobs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog

from casino_club.bus.base import Bus, LocalBus
from casino_club.bus.redis_bus import REDIS_DOWN, RedisBus
from casino_club.bus.relay import OutboxRelay, prune_job
from casino_club.kit.runtime import Runtime
from casino_club.realtime.hub import Hub

log = structlog.get_logger("casino_club.realtime")

EXTRAS_KEY = "realtime"


@dataclass
class Realtime:
    """Bus + hub + relay of this instance."""

    bus: Bus
    hub: Hub
    relay: OutboxRelay


def get_realtime(rt: Runtime) -> Realtime:
    """This runtime's realtime objects, created (and wired to the outbox commit hook) on first use."""
    existing = rt.extras.get(EXTRAS_KEY)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    bus: Bus = RedisBus(rt.redis, f"{rt.settings.redis_prefix}realtime") if rt.redis is not None else LocalBus()
    hub = Hub(rt)
    relay = OutboxRelay(rt, bus)
    bus.subscribe(hub.on_bus_message, hub.wants)
    bus.on_reconnect(hub.catch_up_all)
    rt.on_outbox_commit.append(relay.poke)
    if isinstance(bus, RedisBus) or rt.settings.is_sqlite:
        # A writer that knows the events it committed may publish them itself and store them as published,
        # sparing the relay a claiming transaction per commit (on SQLite it also competed for the one write
        # lock). If that publish is lost (Redis down, a crash right after the commit), every socket still
        # gets the events: the hub re-reads the table after a bus reconnect and at its next session check.
        # Not with the in-process bus on PostgreSQL: other instances would only see them at that check.
        rt.publish_committed = partial(_publish_committed, bus)
    realtime = Realtime(bus=bus, hub=hub, relay=relay)
    rt.extras[EXTRAS_KEY] = realtime
    return realtime


async def _publish_committed(bus: Bus, items: list[tuple[int, dict[str, Any]]]) -> None:
    try:
        await bus.publish_many(items)
    except REDIS_DOWN as exc:  # committed and marked published: the sockets catch up from the table (see above)
        log.warning("bus_publish_after_commit_failed", events=len(items), error=repr(exc))


async def bus_job(rt: Runtime) -> None:
    """Keep the bus subscription alive."""
    await get_realtime(rt).bus.run()


async def relay_job(rt: Runtime) -> None:
    """Publish committed outbox rows."""
    await get_realtime(rt).relay.run()


async def sweeper_job(rt: Runtime) -> None:
    """Heartbeats, token expiry, idle timeout, session checks and lost-message catch-up for open sockets."""
    hub = get_realtime(rt).hub
    settings = rt.settings
    tick = max(0.05, min(settings.ws_session_check_s, settings.ws_heartbeat_s, 1.0))
    last_check = time.monotonic()
    while True:
        await asyncio.sleep(tick)
        hub.sweep_local()
        if time.monotonic() - last_check >= settings.ws_session_check_s:
            last_check = time.monotonic()
            await hub.sweep_db()


def realtime_jobs() -> list[tuple[str, Callable[[Runtime], Awaitable[None]]]]:
    """(name, job) pairs for jobs.py."""
    return [("realtime_bus", bus_job), ("outbox_relay", relay_job), ("outbox_prune", prune_job),
            ("realtime_sweeper", sweeper_job)]
