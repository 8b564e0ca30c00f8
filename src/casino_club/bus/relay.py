"""Outbox relay: publish committed outbox rows to the bus in per-player seq order; prune old rows.

Multi-instance safety: on PostgreSQL each pass marks `published_at` on unpublished rows it claims with `FOR UPDATE
SKIP LOCKED` and publishes them in the same transaction, so two instances normally never publish the same row and
a crashed instance's claims are released by its rolled-back transaction. A double publish remains possible
(Redis accepted the publish, then the marking commit failed); that is harmless because every socket delivers
strictly `seq == last + 1` and drops anything at or below its cursor. Ordering across instances is likewise
guaranteed by the socket, not by the relay: a socket that sees seq 12 while at 9 reads 10..12 from the table
first. On SQLite (one instance, writes serialised by BEGIN IMMEDIATE) the same code runs without the lock clause.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from casino_club.bus.base import Bus
from casino_club.bus.redis_bus import REDIS_DOWN
from casino_club.db import core_table
from casino_club.kit.jsonfast import raw
from casino_club.kit.runtime import Runtime
from casino_club.outbox.models import OutboxEvent

log = structlog.get_logger("casino_club.relay")

BATCH = 500


def envelope_of(event: OutboxEvent) -> dict[str, Any]:
    """The wire envelope of an outbox row: {id, seq, type, ts, data}."""
    return {"id": event.event_id, "seq": event.seq, "type": event.type,
            "ts": event.created_at.isoformat(), "data": event.data}


class OutboxRelay:
    """Publishes unpublished rows; woken right after local commits, and sweeping periodically for the rest."""

    def __init__(self, rt: Runtime, bus: Bus, batch: int = BATCH) -> None:
        self.rt = rt
        self.bus = bus
        self.batch = batch
        self.wake = asyncio.Event()
        self.published = 0

    def poke(self, user_ids: set[int]) -> None:
        """Runtime.on_outbox_commit listener: rows for these players were just committed."""
        self.wake.set()

    async def publish_pending(self) -> int:
        """Claim, publish and mark one batch; returns how many rows it published."""
        table = core_table(OutboxEvent)  # a Core UPDATE: the ORM's bulk-update bookkeeping is not needed here
        t = table.c
        # One statement claims and marks the oldest unpublished rows (a queue's UPDATE … WHERE id IN
        # (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING); publishing before the commit keeps the rows
        # unpublished if it fails.
        claim = select(t.id).where(t.published_at.is_(None)).order_by(t.id).limit(self.batch)
        if not self.rt.settings.is_sqlite:
            claim = claim.with_for_update(skip_locked=True)
        # `data` comes back as its stored JSON text and goes out embedded as is: the relay only passes it on.
        stmt = (update(table).where(t.id.in_(claim)).values(published_at=self.rt.clock.now())
                .returning(t.event_id, t.user_id, t.seq, t.type, t.created_at, cast(t.data, Text).label("data")))
        async with self.rt.transaction() as session:
            rows = sorted((await session.execute(stmt)).all(), key=lambda r: (r.user_id, r.seq))
            if not rows:
                return 0
            await self.bus.publish_many((r.user_id, {"id": r.event_id, "seq": r.seq, "type": r.type,
                                                     "ts": r.created_at.isoformat(), "data": raw(r.data)}) for r in rows)
        self.published += len(rows)
        return len(rows)

    async def run(self) -> None:
        """Loop forever: drain what is pending, then wait for a poke or the sweep interval."""
        delay = 0.05
        while True:
            self.wake.clear()
            try:
                published = await self.publish_pending()
                delay = 0.05
            except (SQLAlchemyError, *REDIS_DOWN) as exc:
                # Database or Redis unavailable: rows stay unpublished and are retried; sockets catch up.
                log.warning("outbox_relay_failed", error=repr(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)  # short cap: a busy SQLite lock or a Redis blip must not stall delivery
                continue
            if published >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.rt.settings.outbox_sweep_s):
                    await self.wake.wait()


async def prune_outbox(rt: Runtime, chunk: int = 5000) -> int:
    """Delete rows older than the retention period, in chunks; returns how many were deleted."""
    total = 0
    while True:
        async with rt.transaction() as session:
            # Read the clock only once the transaction holds its lock: a cutoff taken before a long
            # wait could be older than the rows written meanwhile (and the clock can move in tests).
            cutoff = rt.clock.now() - timedelta(days=rt.settings.outbox_retention_days)
            ids = list((await session.execute(select(OutboxEvent.id).where(OutboxEvent.created_at < cutoff)
                                              .order_by(OutboxEvent.id).limit(chunk))).scalars())
            if ids:
                await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
        total += len(ids)
        if len(ids) < chunk:
            return total


async def prune_job(rt: Runtime) -> None:
    """Background loop: prune the outbox every outbox_prune_interval_s (idempotent on several instances)."""
    while True:
        try:
            deleted = await prune_outbox(rt)
            if deleted:
                log.info("outbox_pruned", rows=deleted)
        except SQLAlchemyError as exc:
            log.warning("outbox_prune_failed", error=repr(exc))
        await asyncio.sleep(rt.settings.outbox_prune_interval_s)
