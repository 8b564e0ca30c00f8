"""The settlement writer: plans queue FIFO and settle in groups, one transaction per group.

While one group commits, the next plans wait in the queue, so under load each transaction carries many
plans and the cost of BEGIN/COMMIT and of every statement is shared; an idle server settles a group of
one at once (no timer). A plan waits behind at most the groups already in flight. A group that fails
(a unique-key race with another instance, a lost connection, a plan that failed after changing the
group's state) is rolled back whole and its plans settle again one by one through the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from casino_club.db import sync_sqlite_writer
from casino_club.kit.errors import DomainError
from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import ROUND_BATCH_SIZE, count_statements
from casino_club.settlement.plan import Answer, Outcome, Plan
from casino_club.settlement.store import Store
from casino_club.settlement.store_pg import PgStore
from casino_club.settlement.store_sqlite import OnLoopSqliteStore, SqliteStore
from casino_club.settlement.unit import GroupRetry, NeedsSeedPair, Unit

log = structlog.get_logger(__name__)
MakeSeedPair = Callable[[Runtime, int], Awaitable[None]]


class SettlementWriter:
    """One per app instance: the queue of plans and the drains that settle them."""

    def __init__(self, rt: Runtime, make_seed_pair: MakeSeedPair):
        self.rt = rt
        self.make_seed_pair = make_seed_pair
        self.pending: deque[Plan] = deque()
        self.tasks: set[asyncio.Task[None]] = set()
        self.systems: dict[str, int] = {}  # system account ids, read once
        # Groups in flight at once: a plan waits behind at most these. Two on PostgreSQL overlap one group's round
        # trips with the next one's Python; their reads stay exact because PgStore.read locks the players first.
        chosen = rt.settings.settlement_groups_in_flight
        self.parallel = chosen if chosen is not None else (1 if rt.settings.is_sqlite else 2)
        # Connections kept between drains: a pool checkout cost PostgreSQL three round trips (the pre-ping's
        # BEGIN, `;`, ROLLBACK) and a fourth on return, more than a group's own reads.
        self.idle: list[AsyncConnection] = []
        self.idle_loop: asyncio.AbstractEventLoop | None = None
        # SQLite: groups run on the event loop on this connection (db.sync_sqlite_writer says why).
        self.on_loop: sqlite3.Connection | None = None
        self.on_loop_for: asyncio.AbstractEventLoop | None = None
        rt.closers.append(self.close)

    async def settle(self, plan: Plan) -> Answer:
        """Queue a plan and wait for its answer (a DomainError is raised)."""
        while True:
            outcome = await self._submit(plan)
            if isinstance(outcome, NeedsSeedPair):
                await self.make_seed_pair(self.rt, outcome.user_id)  # once per player; then settle it for real
                continue
            if isinstance(outcome, DomainError):
                raise outcome
            return outcome

    async def _submit(self, plan: Plan) -> Outcome | NeedsSeedPair:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome | NeedsSeedPair] = loop.create_future()
        plan.future = future
        self.pending.append(plan)
        self.tasks = {t for t in self.tasks if not t.done() and t.get_loop() is loop}
        if len(self.tasks) < self.parallel:
            self.tasks.add(loop.create_task(self._drain()))
        return await future

    async def close(self) -> None:
        """Return the kept connections to the pool (before the engine is disposed); close the on-loop one."""
        self._drop_on_loop()
        idle, self.idle = self.idle, []
        for conn in idle:
            await _release(conn)

    def _kept(self) -> AsyncConnection | None:
        loop = asyncio.get_running_loop()
        if self.idle_loop is not loop:  # a connection belongs to one event loop (tests start several)
            self.idle, self.idle_loop = [], loop
        return self.idle.pop() if self.idle else None

    def _keep(self, conn: AsyncConnection) -> bool:
        if len(self.idle) >= self.parallel or self.idle_loop is not asyncio.get_running_loop():
            return False
        self.idle.append(conn)
        return True

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # plans that arrived in the same loop pass join the first group
        plans: list[Plan] = []
        conn: AsyncConnection | None = None
        try:
            while self.pending:
                settings = self.rt.settings
                size = min(len(self.pending), settings.round_batch_max if settings.round_batching else 1)
                plans = [self.pending.popleft() for _ in range(size)]
                conn = await self._run_group(plans, conn)
                plans = []
                if not self.pending and conn is not None:
                    done, conn = conn, None
                    if not self._keep(done):
                        await _release(done)  # this yields: plans queued meanwhile are drained by this loop
        except BaseException:
            for plan in [*plans, *self.pending]:  # shutting down: nobody will settle these here
                if plan.future is not None and not plan.future.done():
                    plan.future.cancel()
            self.pending.clear()
            await _release(conn)
            raise

    async def _run_group(self, plans: list[Plan], conn: AsyncConnection | None,
                         attempt: int = 1) -> AsyncConnection | None:
        """Settle one group (split into groups of one if it fails); answer every plan of it."""
        try:
            conn = conn or self._kept() or await self.rt.engine.connect()
            unit, outcomes = await self._settle(conn, plans)
        except GroupRetry as retry:
            if len(plans) == 1:
                _answer(plans[0], retry.error)
                return conn
            for plan in plans:
                conn = await self._run_group([plan], conn)
            return conn
        except Exception as exc:  # nothing of the group was kept
            await _release(conn, broken=not isinstance(exc, IntegrityError))
            if len(plans) > 1:
                log.warning("settlement_group_split", size=len(plans), error=type(exc).__name__,
                            exc_info=not isinstance(exc, OSError))
                conn = None
                for plan in plans:
                    conn = await self._run_group([plan], conn)
                return conn
            if attempt < ALONE_ATTEMPTS and _transient(exc):
                # A unique key met a row another writer committed while this group's one read statement waited for
                # a lock (that statement's snapshot cannot see it): the next read can, so settle the plan again.
                return await self._run_group(plans, None, attempt + 1)
            if plans[0].future is not None and not plans[0].future.done():
                plans[0].future.set_exception(exc)
            return None
        settled = sum(1 for o in outcomes if isinstance(o, Answer) and not o.replayed)
        if settled:
            ROUND_BATCH_SIZE.observe(settled)
        try:  # committed: whatever happens next, these plans are answered, never settled again
            await self._after_commit(unit)
        except Exception:  # noqa: BLE001 - logged; the events are in the table, sockets catch up
            log.exception("settlement_after_commit_failed", size=len(plans))
        for plan, outcome in zip(plans, outcomes, strict=True):
            _answer(plan, outcome)
        return conn

    async def _settle(self, conn: AsyncConnection, plans: list[Plan]) -> tuple[Unit, list[Outcome | NeedsSeedPair]]:
        async with self.rt.write_turn():
            on_loop = self._on_loop()
            if on_loop is not None and _begin_now(on_loop):
                try:
                    async with on_loop_transaction(on_loop, conn.dialect) as store:
                        return await self._apply(store, plans)
                except sqlite3.Error as exc:
                    if not isinstance(exc, sqlite3.IntegrityError):  # a key race leaves the connection sound
                        self._drop_on_loop()  # rolled back; a connection the database failed on is not used again
                    raise
            async with group_transaction(conn) as store:  # PostgreSQL, or SQLite while another process writes
                return await self._apply(store, plans)

    async def _apply(self, store: Store, plans: list[Plan]) -> tuple[Unit, list[Outcome | NeedsSeedPair]]:
        if not self.systems:
            self.systems = await store.system_accounts()
        unit = Unit(store, self.rt.settings, self.rt.clock, self.systems, direct=self.rt.publish_committed is not None)
        return unit, await unit.settle(plans)

    def _on_loop(self) -> sqlite3.Connection | None:
        """SQLite: the writer's own sqlite3 connection (one per event loop; None in memory or on PostgreSQL)."""
        if not self.rt.settings.is_sqlite:
            return None
        loop = asyncio.get_running_loop()
        if self.on_loop_for is not loop:
            self._drop_on_loop()
            self.on_loop, self.on_loop_for = sync_sqlite_writer(self.rt.settings), loop
        return self.on_loop

    def _drop_on_loop(self) -> None:
        conn, self.on_loop, self.on_loop_for = self.on_loop, None, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    async def _after_commit(self, unit: Unit) -> None:
        players = unit.committed()
        if unit.direct and self.rt.publish_committed is not None:
            await self.rt.publish_committed(unit.envelopes)  # stored as published: the relay skips them
        else:
            self.rt.outbox_committed(players)


ALONE_ATTEMPTS = 3


def _transient(exc: Exception) -> bool:
    """A unique-key race, a deadlock or a connection the database ended (a kept one, after a restart): settling
    the plan again on a fresh connection is safe, since nothing of it was committed."""
    name = type(exc).__name__
    return (name in {"UniqueViolationError", "DeadlockDetectedError", "IntegrityError", "InterfaceError",
                     "ConnectionDoesNotExistError"} or "deadlock" in str(exc) or "connection is closed" in str(exc))


def _answer(plan: Plan, outcome: Outcome | NeedsSeedPair) -> None:
    if plan.future is not None and not plan.future.done():
        plan.future.set_result(outcome)


async def _release(conn: AsyncConnection | None, broken: bool = False) -> None:
    """Return a drain's connection to the pool; one a group failed on is discarded, not handed to the next user."""
    if conn is None:
        return
    try:
        if broken:  # the pool only knows a connection is dead when the driver says so; SQLite's may not
            await conn.invalidate()
        await conn.close()
    except Exception as exc:  # noqa: BLE001 - a dead connection must not fail the plans waiting on the drain
        log.warning("settlement_connection_close_failed", error=repr(exc))


def _begin_now(conn: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE without waiting: False when another process holds the write lock."""
    try:
        count_statements()
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    return True


@asynccontextmanager
async def on_loop_transaction(conn: sqlite3.Connection, dialect: Dialect) -> AsyncIterator[Store]:
    """The group's store on the writer's sqlite3 connection, already in BEGIN IMMEDIATE: committed on exit."""
    store = OnLoopSqliteStore(conn, dialect)
    try:
        yield store
    except BaseException:
        if conn.in_transaction:
            await store.execute("ROLLBACK")
        raise
    await store.execute("COMMIT")


@asynccontextmanager
async def group_transaction(conn: AsyncConnection) -> AsyncIterator[Store]:
    """A store on the connection's driver inside one write transaction: committed on exit, rolled back on error."""
    driver = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name == "postgresql":
        count_statements(2)  # BEGIN and COMMIT (or ROLLBACK)
        async with driver.transaction():  # type: ignore[union-attr]
            yield PgStore(driver)
        return
    store = SqliteStore(driver, conn.dialect)
    await store.execute("BEGIN IMMEDIATE")  # the write lock up front, as in every SQLite write transaction
    try:
        yield store
    except BaseException:
        await store.execute("ROLLBACK")
        raise
    await store.execute("COMMIT")
