"""Operational background loops: the outbox lag gauge and SQLite's WAL checkpoint."""

from __future__ import annotations

import asyncio
from datetime import UTC

from sqlalchemy import func, select

from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import OUTBOX_LAG
from casino_club.outbox.models import OutboxEvent


async def measure_outbox_lag(rt: Runtime) -> float:
    """Set the gauge to the age in seconds of the oldest unpublished outbox event (0 when none)."""
    async with rt.sessionmaker() as session:
        oldest = (await session.execute(
            select(func.min(OutboxEvent.created_at)).where(OutboxEvent.published_at.is_(None)))).scalar_one()
    if oldest is None:
        lag = 0.0
    else:
        if oldest.tzinfo is None:  # stored values are UTC
            oldest = oldest.replace(tzinfo=UTC)
        lag = max(0.0, (rt.clock.now() - oldest).total_seconds())
    OUTBOX_LAG.set(lag)
    return lag


async def outbox_lag_job(rt: Runtime) -> None:
    """Refresh the outbox lag gauge every `outbox_lag_interval_s` seconds."""
    while True:
        await measure_outbox_lag(rt)
        await asyncio.sleep(rt.settings.outbox_lag_interval_s)


async def sqlite_checkpointer(rt: Runtime) -> None:
    """SQLite only: every `sqlite_checkpoint_interval_s`, copy the write-ahead log into the database file.

    First a passive checkpoint alongside the writers (the bulk of the copying), then a second one inside a
    write turn, which only has the frames appended meanwhile to copy. That second one matters: SQLite starts
    the log over from its beginning only when a writer finds every frame copied, which under a steady write
    load never happens between writers, and without it the log grew to the safety threshold
    (db.WAL_AUTOCHECKPOINT_PAGES), where a request's COMMIT paid for the checkpoint again.
    """
    if not rt.settings.is_sqlite:
        return
    while True:
        await asyncio.sleep(rt.settings.sqlite_checkpoint_interval_s)
        async with rt.engine.connect() as conn:
            # On the driver, outside any transaction (the engine would BEGIN first).
            driver = (await conn.get_raw_connection()).driver_connection
            await driver.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            async with rt.write_turn():
                await driver.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
