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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.batch_settle import Batch
from casino_club.games.batch_store import BatchStore
from casino_club.games.batch_store_pg import PgBatchStore
from casino_club.games.batch_store_sqlite import SqliteBatchStore
from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import ROUND_BATCH_SIZE
from casino_club.wallet.service import System, system_code

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
        # Connections kept between drains (at most one per drain), with the loop they belong to. Checking one
        # out of the pool per group cost PostgreSQL three round trips (the pre-ping's BEGIN, `;`, ROLLBACK)
        # and a fourth on return, more than the group's own reads.
        self.idle: list[AsyncConnection] = []
        self.idle_loop: asyncio.AbstractEventLoop | None = None
        rt.closers.append(self.close)

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

    async def close(self) -> None:
        """Return the kept connections to the pool (before the engine is disposed)."""
        idle, self.idle = self.idle, []
        for conn in idle:
            await _release(conn)

    def _kept(self) -> AsyncConnection | None:
        loop = asyncio.get_running_loop()
        if self.idle_loop is not loop:  # a connection belongs to one event loop (tests start several)
            self.idle, self.idle_loop = [], loop
        return self.idle.pop() if self.idle else None

    def _keep(self, conn: AsyncConnection) -> bool:
        """Keep a drain's connection for the next drain, unless enough are kept already."""
        if len(self.idle) >= self.parallel or self.idle_loop is not asyncio.get_running_loop():
            return False
        self.idle.append(conn)
        return True

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # requests that arrived in the same loop pass join the first batch
        jobs: list[RoundJob] = []
        conn: AsyncConnection | None = None
        try:
            while self.pending:
                size = min(len(self.pending), self.rt.settings.round_batch_max)
                jobs = [self.pending.popleft() for _ in range(size)]
                try:
                    conn = conn or self._kept() or await self.rt.engine.connect()
                    batch, outcomes = await self._settle(conn, jobs)
                except Exception as exc:  # nothing of the batch was kept: its rounds go one by one
                    log.warning("round_batch_replayed_one_by_one", size=len(jobs), error=type(exc).__name__,
                                exc_info=not isinstance(exc, OSError))
                    outcomes = [SLOW] * len(jobs)
                    await _release(conn)
                    conn = None
                else:  # committed: whatever happens next, these rounds are answered, never replayed
                    try:
                        await self._after_commit(batch, outcomes)
                    except Exception:  # noqa: BLE001 - logged; the events are in the table, sockets catch up
                        log.exception("round_batch_after_commit_failed", size=len(jobs))
                for job, outcome in zip(jobs, outcomes, strict=True):
                    if job.future is not None and not job.future.done():
                        job.future.set_result(outcome)
                jobs = []
                if not self.pending and conn is not None:
                    done, conn = conn, None
                    if not self._keep(done):
                        await _release(done)  # this yields: rounds queued meanwhile are drained by this loop
        except BaseException:
            for job in [*jobs, *self.pending]:  # shutting down: nobody will settle these here
                if job.future is not None and not job.future.done():
                    job.future.cancel()
            self.pending.clear()
            await _release(conn)
            raise

    async def _settle(self, conn: AsyncConnection, jobs: list[RoundJob]) -> tuple[Batch, list[Outcome]]:
        """Settle one batch in one transaction on `conn`."""
        async with self.rt.write_turn(), batch_transaction(conn) as store:
            if self.house_id is None:
                self.house_id = await store.house_account(system_code(System.HOUSE))
            batch = Batch(store, self.rt.settings, self.rt.clock, self.house_id,
                          direct=self.rt.publish_committed is not None)
            return batch, await batch.settle(jobs)

    async def _after_commit(self, batch: Batch, outcomes: list[Outcome]) -> None:
        settled = sum(1 for o in outcomes if isinstance(o, Answer) and not o.replayed)
        if settled:
            ROUND_BATCH_SIZE.observe(settled)
        players = batch.committed()
        if batch.direct and self.rt.publish_committed is not None:
            await self.rt.publish_committed(batch.envelopes)  # stored as published: the relay skips them
        else:
            self.rt.outbox_committed(players)


async def _release(conn: AsyncConnection | None) -> None:
    """Return a drain's connection to the pool (the pool discards a broken one)."""
    if conn is None:
        return
    try:
        await conn.close()
    except Exception as exc:  # noqa: BLE001 - a dead connection must not fail the rounds waiting on the drain
        log.warning("round_batch_connection_close_failed", error=repr(exc))


@asynccontextmanager
async def batch_transaction(conn: AsyncConnection) -> AsyncIterator[BatchStore]:
    """A store on the connection's driver inside one write transaction: committed on exit, rolled back on error."""
    driver = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name == "postgresql":
        async with driver.transaction():  # type: ignore[union-attr]
            yield PgBatchStore(driver)
        return
    store = SqliteBatchStore(driver, conn.dialect)
    await store.execute("BEGIN IMMEDIATE")  # the write lock up front, as in every SQLite write transaction
    try:
        yield store
    except BaseException:
        await store.execute("ROLLBACK")
        raise
    await store.execute("COMMIT")
