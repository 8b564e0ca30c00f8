"""Group commit for slot / RPS rounds: requests queue up and settle together in one transaction.

While one batch commits, the next requests wait in the queue, so under load each transaction carries
many rounds and the per-round cost of BEGIN/COMMIT and of every statement is shared. An idle server
commits a batch of one at once (no timer, no added latency). A batch that fails for any reason (a race
with another instance, a lock timeout) is rolled back whole and its rounds replay one by one on the
one-round path, which has every rule; nothing a failed batch did is kept.
"""

from __future__ import annotations

import asyncio
from collections import deque

import structlog

from casino_club.db import WRITE_OPTION
from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.batch_settle import settle_batch
from casino_club.games.batch_state import house_account
from casino_club.kit.runtime import OUTBOX_PENDING, Runtime
from casino_club.ops.metrics import ROUND_BATCH_SIZE

log = structlog.get_logger(__name__)


class RoundBatcher:
    """The runtime's queue of instant rounds and the task that drains it."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.pending: deque[RoundJob] = deque()
        self.tasks: set[asyncio.Task[None]] = set()
        self.house_id: int | None = None  # system accounts are never deleted or renumbered: read once
        # SQLite has one writer at a time; on PostgreSQL a second batch computes while the first waits
        # on the database, and their row locks (same order everywhere) keep the same player's rounds in order.
        self.parallel = 1 if rt.engine.dialect.name == "sqlite" else rt.settings.round_batch_parallel

    @staticmethod
    def of(rt: Runtime) -> RoundBatcher:
        """The runtime's batcher (one per app instance)."""
        batcher = rt.extras.get("round_batcher")
        if batcher is None:
            batcher = rt.extras["round_batcher"] = RoundBatcher(rt)
        return batcher

    async def submit(self, job: RoundJob) -> Outcome:
        """Queue a round and wait for its outcome."""
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self.pending.append(job)
        self.tasks = {t for t in self.tasks if not t.done() and t.get_loop() is loop}
        if len(self.tasks) < self.parallel:
            task = loop.create_task(self._drain())
            self.tasks.add(task)
        return await job.future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # requests that arrived in the same loop pass join the first batch
        jobs: list[RoundJob] = []
        try:
            while self.pending:
                size = min(len(self.pending), self.rt.settings.round_batch_max)
                jobs = [self.pending.popleft() for _ in range(size)]
                for job, outcome in zip(jobs, await self._settle(jobs), strict=True):
                    if job.future is not None and not job.future.done():
                        job.future.set_result(outcome)
                jobs = []
        except BaseException:
            for job in [*jobs, *self.pending]:  # shutting down: nobody will settle these here
                if job.future is not None and not job.future.done():
                    job.future.cancel()
            self.pending.clear()
            raise

    async def _settle(self, jobs: list[RoundJob]) -> list[Outcome]:
        async with self.rt.sessionmaker() as session:
            try:
                conn = await session.connection(execution_options={WRITE_OPTION: True})
                if self.house_id is None:
                    self.house_id = await house_account(conn)
                outcomes = await settle_batch(session, jobs, self.rt.settings, self.rt.clock, self.house_id)
                await session.commit()
            except Exception as exc:
                await session.rollback()
                log.warning("round_batch_replayed_one_by_one", size=len(jobs), error=type(exc).__name__,
                            exc_info=not isinstance(exc, OSError))
                return [SLOW] * len(jobs)
            pending = session.info.pop(OUTBOX_PENDING, None)
        settled = sum(1 for o in outcomes if isinstance(o, Answer) and not o.replayed)
        if settled:
            ROUND_BATCH_SIZE.observe(settled)
        self.rt.outbox_committed(pending)
        return outcomes
