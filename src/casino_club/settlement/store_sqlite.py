"""The settlement store on SQLite: aiosqlite calls, list parameters as one JSON text, writes by executemany.

SQLite has one writer at a time (the transaction begins IMMEDIATE), so reads need no row locks and the
next round ids are simply the ones after the largest. Datetimes and dates are stored in exactly the text
form SQLAlchemy gives them (its own bind/result processors do the conversion), so the ORM reads them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date
from sqlalchemy.engine import Dialect

from casino_club.db import UTCDateTime
from casino_club.kit import jsonfast
from casino_club.ops.metrics import count_statements
from casino_club.settlement.store import LEASE, NOW, Rows, Store, Write

Convert = Callable[[Any], Any]
RowConvert = Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[Any, ...]]


def _statement(w: Write) -> str:
    """The write as one parameterised statement: row items first, then NOW / LEASE where they appear."""
    fixed = {n: "?" if v in (NOW, LEASE) else v for n, v in w.fixed}
    if w.delete:
        return f"DELETE FROM {w.table} WHERE " + " AND ".join(f"{n} = ?" for n, _ in w.columns)
    if not w.keys:
        names = [n for n, _ in w.columns] + list(fixed)
        marks = ["?"] * len(w.columns) + list(fixed.values())
        upsert = w.merge_sql("max") if w.conflict else ""
        return f"INSERT INTO {w.table} ({', '.join(names)}) VALUES ({', '.join(marks)}){upsert}"
    sets = [f"{n} = ?" for n, _ in w.columns[w.keys:]] + [f"{n} = {v}" for n, v in fixed.items()]
    where = " AND ".join(f"{n} = ?" for n, _ in w.columns[:w.keys])
    return f"UPDATE {w.table} SET {', '.join(sets)} WHERE {where}"


class SqliteStore(Store):
    """Store on an aiosqlite connection (the caller runs BEGIN IMMEDIATE / COMMIT)."""

    _sql_cache: dict[tuple[Any, ...], str] = {}

    def __init__(self, conn: Any, dialect: Dialect):
        self.conn = conn
        utc, day = UTCDateTime().dialect_impl(dialect), Date().dialect_impl(dialect)
        self._time_in: Convert = utc.bind_processor(dialect) or (lambda v: v)
        self._date_in: Convert = day.bind_processor(dialect) or (lambda v: v)
        self._writes: dict[Write, tuple[str, RowConvert]] = {}

    def param(self, n: int) -> str:
        return f"?{n}"

    def among(self, n: int, sql_type: str) -> str:
        return f"IN (SELECT value FROM json_each(?{n}))"

    def among_pairs(self, n: int) -> str:
        return f"IN (SELECT a.value, b.value FROM json_each(?{n}) a JOIN json_each(?{n + 1}) b ON b.key = a.key)"

    def rows_as_json(self, columns: str, rest: str) -> str:
        return f"(SELECT json_group_array(json_array({columns})) {rest})"

    def locked_rows_as_json(self, columns: str, rest: str) -> str:
        # BEGIN IMMEDIATE already holds the only write lock; json() keeps each row an array, not a string.
        return f"(SELECT json_group_array(json(r)) FROM (SELECT json_array({columns}) AS r {rest}))"

    def json_column(self, name: str) -> str:
        return f"json({name})"

    def new_ids_sql(self, table: str, k: int) -> str:
        # One writer at a time (BEGIN IMMEDIATE): the next ids are the ones after the largest.
        return f"(SELECT json_array(COALESCE(MAX(id), 0)) FROM {table})"

    def new_ids_of(self, value: list[Any], count: int) -> list[int]:
        top = int(value[0])
        return list(range(top + 1, top + 1 + count))

    def bind_list(self, values: Sequence[Any]) -> Any:
        return jsonfast.dumps([self._date_in(v) if isinstance(v, date) else v for v in values])

    def bind_time(self, value: datetime) -> Any:
        return self._time_in(value)

    def bind_date(self, value: date) -> Any:
        return self._date_in(value)

    def read_json(self, value: Any) -> Any:
        return jsonfast.loads(value)

    async def execute(self, sql: str) -> None:
        """Run one statement without parameters (BEGIN, COMMIT, ROLLBACK)."""
        count_statements()
        await self.conn.execute(sql)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        count_statements()
        return await self.conn.execute_fetchall(sql, args)  # type: ignore[no-any-return]

    async def write(self, rows: Rows, writes: tuple[Write, ...]) -> None:
        fixed = {NOW: self._time_in(rows.now), LEASE: self._time_in(rows.lease)}
        for w in writes:
            data = rows.get(w.rows)
            if not data:
                continue
            prepared = self._writes.get(w)
            if prepared is None:
                prepared = self._writes[w] = (_statement(w), self._row_converter(w))
            sql, convert = prepared
            tail = tuple(fixed[v] for _, v in w.fixed if v in fixed)
            count_statements()
            await self.executemany(sql, [convert(row, tail) for row in data])

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run one statement for each row."""
        await self.conn.executemany(sql, rows)

    def _row_converter(self, w: Write) -> RowConvert:
        """Row tuple -> statement parameters: stored text for dates and times, keys moved last in UPDATEs."""
        converters = [self._time_in if t == "timestamptz" else self._date_in if t == "date" else None
                      for _, t in w.columns]
        keys = w.keys

        def convert(row: tuple[Any, ...], tail: tuple[Any, ...]) -> tuple[Any, ...]:
            values = tuple(v if c is None or v is None else c(v) for v, c in zip(row, converters, strict=True))
            return values[keys:] + tail + values[:keys]

        return convert


class OnLoopSqliteStore(SqliteStore):
    """The same store on a plain sqlite3 connection, called on the event loop (db.sync_sqlite_writer)."""

    async def execute(self, sql: str) -> None:
        count_statements()
        self.conn.execute(sql)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        count_statements()
        return self.conn.execute(sql, args).fetchall()  # type: ignore[no-any-return]

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(sql, rows)
