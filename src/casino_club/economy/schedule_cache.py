"""Each instance's copy of the effective reward schedule: the admin's override if there is one, else the settings.

Loaded at start-up. A change replaces this instance's copy after its commit and tells every other instance
through a `reward_schedule_changed` control message on the bus, which makes them re-read it on next use (the
change answers once they confirmed it, at most `session_cache_confirm_s`, as a session revocation does); a copy
older than `reward_schedule_ttl_s` is re-read too (a backstop for a lost message or a change made by SQL).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.bus.base import BusMessage
from casino_club.db import core_table
from casino_club.economy.models import SCHEDULE_ROW_ID, RewardScheduleOverride
from casino_club.economy.schedule import RewardSchedule, ScheduleInvalid
from casino_club.kit.runtime import Runtime, after_commit

log = structlog.get_logger("casino_club.economy")

EXTRAS_KEY = "reward_schedule"
SCHEDULE_CHANGED = "reward_schedule_changed"
_TABLE = core_table(RewardScheduleOverride)
OVERRIDE = select(_TABLE.c.schedule).where(_TABLE.c.id == bindparam("id"))


@dataclass(frozen=True)
class Effective:
    """The schedule in force and whether an admin override set it."""

    schedule: RewardSchedule
    overridden: bool


@dataclass
class ScheduleCache:
    """The instance's copy and when it was read (monotonic seconds)."""

    current: Effective | None = None
    read_at: float = 0.0
    generation: int = 0  # bumped by every change heard; a read stores its row only if it is unchanged
    origin: str = field(default_factory=lambda: uuid.uuid4().hex)  # this instance, in the messages it sends

    def stale(self, ttl_s: float) -> bool:
        """Whether the copy must be re-read before use."""
        return self.current is None or time.monotonic() - self.read_at >= ttl_s

    def put(self, effective: Effective) -> None:
        """Replace the copy (a change committed on this instance)."""
        self.generation += 1
        self.current, self.read_at = effective, time.monotonic()

    def on_bus_message(self, message: BusMessage) -> None:
        """Bus subscriber: another instance changed the schedule; re-read it on next use."""
        payload = message.payload
        if message.is_control and payload.get("kind") == SCHEDULE_CHANGED and payload.get("origin") != self.origin:
            self.expire()

    def expire(self) -> None:
        """Re-read on next use (a change elsewhere, or a bus reconnect: messages may have been lost meanwhile)."""
        self.generation += 1
        self.read_at = float("-inf")


def effective_of(defaults: RewardSchedule, stored: dict[str, Any] | None) -> Effective:
    """The override if it is stored (and still valid), else the defaults."""
    if stored is None:
        return Effective(defaults, False)
    try:
        return Effective(RewardSchedule.of(stored), True)
    except ScheduleInvalid:  # only an edit by SQL can store this: keep serving the defaults, say so in the log
        log.error("reward_schedule_override_invalid", stored=stored)
        return Effective(defaults, False)


def schedule_cache(rt: Runtime) -> ScheduleCache:
    """This runtime's cache, subscribed to its bus on first use."""
    existing: ScheduleCache | None = rt.extras.get(EXTRAS_KEY)
    if existing is not None:
        return existing
    from casino_club.realtime.runtime import get_realtime

    cache = ScheduleCache()
    bus = get_realtime(rt).bus
    bus.subscribe(cache.on_bus_message, _no_player_events)
    bus.on_reconnect(cache.expire)
    rt.extras[EXTRAS_KEY] = cache
    return cache


def _no_player_events(_user_id: int) -> bool:
    return False  # the cache only reads control messages


async def effective(rt: Runtime) -> Effective:
    """The schedule in force on this instance (re-read when stale)."""
    cache = schedule_cache(rt)
    if cache.current is not None and not cache.stale(rt.settings.reward_schedule_ttl_s):
        return cache.current
    generation = cache.generation
    fresh = await fetch(rt)
    if cache.generation == generation:
        cache.current, cache.read_at = fresh, time.monotonic()
    return fresh


async def fetch(rt: Runtime) -> Effective:
    """The schedule as stored now, without the cache (for the CLI, which has no bus to hear changes on)."""
    rows = await rt.read(OVERRIDE, {"id": SCHEDULE_ROW_ID})
    return effective_of(RewardSchedule.from_settings(rt.settings), rows[0][0] if rows else None)


async def current_schedule(rt: Runtime) -> RewardSchedule:
    """The RewardSchedule plans are built with."""
    return (await effective(rt)).schedule


async def load_at_startup(rt: Runtime) -> None:
    """App start-up hook: read the schedule before the first request."""
    await effective(rt)


def note_changed(session: AsyncSession, fresh: Effective) -> None:
    """After this write commits: this instance uses `fresh`, the others re-read."""
    after_commit(session, lambda rt: _changed(rt, fresh))


async def _changed(rt: Runtime, fresh: Effective) -> None:
    cache = schedule_cache(rt)
    cache.put(fresh)
    from casino_club.bus.redis_bus import REDIS_DOWN
    from casino_club.realtime.runtime import get_realtime

    try:
        await get_realtime(rt).bus.publish_control({"kind": SCHEDULE_CHANGED, "origin": cache.origin},
                                                   confirm_s=rt.settings.session_cache_confirm_s)
    except REDIS_DOWN as exc:  # the others re-read within reward_schedule_ttl_s
        log.warning("reward_schedule_publish_failed", error=repr(exc))
