"""Background jobs started in the app lifespan; each is a loop safe to run on several instances."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from casino_club.games.crash_ticks import crash_ticker
from casino_club.games.service_crash import crash_settler
from casino_club.kit.runtime import Runtime
from casino_club.notifications.service import notifications_job
from casino_club.ops.jobs import outbox_lag_job, sqlite_checkpointer
from casino_club.realtime.runtime import realtime_jobs
from casino_club.settlement.writer import SettlementWriter
from casino_club.shop.jobs import shop_sweeper

Job = Callable[[Runtime], Awaitable[None]]


def all_jobs(writer: SettlementWriter) -> list[tuple[str, Job]]:
    """(name, job) pairs started by every app instance (each feature package adds its own line)."""
    return [
        ("crash_settler", crash_settler(writer)),
        ("crash_ticker", crash_ticker),
        ("outbox_lag", outbox_lag_job),
        ("sqlite_checkpoint", sqlite_checkpointer),
        ("shop_sweeper", shop_sweeper(writer)),
        *realtime_jobs(),
        ("notifications", notifications_job),
    ]
