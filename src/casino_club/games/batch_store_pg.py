"""The group commit on PostgreSQL: asyncpg calls, list parameters as arrays, all writes in one statement.

Every write of the batch travels as one statement of data-modifying CTEs, each fed by `unnest` over one
array per column, so a group commit is four round trips whatever its size (BEGIN, the read of
BatchStore.first_reads, this write, COMMIT; it was ~20 statements, one per kind of row, each expanded by
SQLAlchemy). Foreign keys are checked at the end of that statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from casino_club.games.batch_store import LEASE, NOW, WRITES, BatchRows, BatchStore, Write

_FIXED = {NOW: "$1", LEASE: "$2"}  # the write statement's first two parameters


def _value(name: str, sql_type: str) -> str:
    # JSON travels as text (the connection's json codec expects text too) and is cast in the statement.
    return f"v.{name}::json" if sql_type == "json" else f"v.{name}"


def _part(w: Write, first: int) -> str:
    """One write as SQL fed by `unnest` over its columns' arrays, numbered from parameter `first`."""
    arrays = ", ".join(f"${first + i}::{'text' if t == 'json' else t}[]" for i, (_, t) in enumerate(w.columns))
    source = f"unnest({arrays}) AS v({', '.join(n for n, _ in w.columns)})"
    fixed = {n: _FIXED.get(v, v) for n, v in w.fixed.items()}
    if not w.keys:
        names = [n for n, _ in w.columns] + list(fixed)
        values = [_value(n, t) for n, t in w.columns] + list(fixed.values())
        upsert = w.merge_sql("GREATEST") if w.conflict else ""
        return f"INSERT INTO {w.table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}{upsert}"
    sets = [f"{n} = {_value(n, t)}" for n, t in w.columns[w.keys:]] + [f"{n} = {v}" for n, v in fixed.items()]
    where = " AND ".join(f"t.{n} = v.{n}" for n, _ in w.columns[:w.keys])
    return f"UPDATE {w.table} t SET {', '.join(sets)} FROM {source} WHERE {where}"


def _write_statement() -> str:
    parts, first = [], 3
    for w in WRITES:
        parts.append(_part(w, first))
        first += len(w.columns)
    ctes = ",\n".join(f"w{i} AS ({part})" for i, part in enumerate(parts[:-1]))
    return f"WITH {ctes}\n{parts[-1]}"


WRITE_SQL = _write_statement()


class PgBatchStore(BatchStore):
    """BatchStore on an asyncpg connection (already inside the batch's transaction)."""

    def __init__(self, conn: Any):
        self.conn = conn

    def param(self, n: int) -> str:
        return f"${n}"

    def among(self, n: int, sql_type: str) -> str:
        return f"= ANY(${n}::{sql_type}[])"

    def among_pairs(self, n: int) -> str:
        return f"IN (SELECT * FROM unnest(${n}::text[], ${n + 1}::text[]))"

    def rows_as_json(self, columns: str, rest: str) -> str:
        return f"(SELECT json_agg(json_build_array({columns})) {rest})"

    def locked_rows_as_json(self, columns: str, rest: str) -> str:
        # Row locks and aggregates do not mix in one SELECT: lock inside, aggregate outside (same order).
        return f"(SELECT json_agg(r) FROM (SELECT json_build_array({columns}) AS r {rest} FOR NO KEY UPDATE) locked)"

    def json_column(self, name: str) -> str:
        return name

    def round_ids_sql(self, n: int) -> str:
        return self.rows_as_json("nextval(pg_get_serial_sequence('game_rounds', 'id'))",
                                 f"FROM generate_series(1, ${n}::int)")

    def round_ids_of(self, value: list[list[int]], count: int) -> list[int]:
        return sorted(v[0] for v in value)

    def bind_list(self, values: Sequence[Any]) -> Any:
        return list(values)

    def bind_time(self, value: datetime) -> Any:
        return value

    def read_json(self, value: Any) -> Any:
        return value  # the connection's json codec (db.py) already decoded it

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return await self.conn.fetch(sql, *args)  # type: ignore[no-any-return]

    async def write(self, rows: BatchRows) -> None:
        args: list[Any] = [rows.now, rows.lease]
        for w in WRITES:
            data: list[tuple[Any, ...]] = getattr(rows, w.rows)
            args += zip(*data, strict=True) if data else [()] * len(w.columns)
        await self.conn.execute(WRITE_SQL, *args)
