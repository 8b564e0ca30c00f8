"""The settlement store on PostgreSQL: asyncpg calls, list parameters as arrays, all writes in one statement.

Every write of a group travels as one statement of data-modifying CTEs, each fed by `unnest` over one array
per column, so a group is four round trips whatever its size (BEGIN, the read, the write, COMMIT).
Foreign keys are checked at the end of that statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from casino_club.ops.metrics import count_statements
from casino_club.settlement.store import LEASE, NOW, Reads, Rows, Store, Write


def _fixed_params(writes: tuple[Write, ...]) -> list[str]:
    """NOW / LEASE in the order they lead the write statement's parameters (only those it uses: PostgreSQL
    cannot type a parameter that appears nowhere)."""
    used = {v for w in writes for _, v in w.fixed}
    return [v for v in (NOW, LEASE) if v in used]


def _value(name: str, sql_type: str) -> str:
    # JSON travels as text (the connection's json codec expects text too) and is cast in the statement.
    return f"v.{name}::json" if sql_type == "json" else f"v.{name}"


def _part(w: Write, first: int, fixed_at: dict[str, str]) -> str:
    """One write as SQL fed by `unnest` over its columns' arrays, numbered from parameter `first`."""
    arrays = ", ".join(f"${first + i}::{'text' if t == 'json' else t}[]" for i, (_, t) in enumerate(w.columns))
    source = f"unnest({arrays}) AS v({', '.join(n for n, _ in w.columns)})"
    fixed = {n: fixed_at.get(v, v) for n, v in w.fixed}
    if w.delete:
        return f"DELETE FROM {w.table} t USING {source} WHERE " + " AND ".join(f"t.{n} = v.{n}" for n, _ in w.columns)
    if not w.keys:
        names = [n for n, _ in w.columns] + list(fixed)
        values = [_value(n, t) for n, t in w.columns] + list(fixed.values())
        upsert = w.merge_sql("GREATEST") if w.conflict else ""
        return f"INSERT INTO {w.table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}{upsert}"
    sets = [f"{n} = {_value(n, t)}" for n, t in w.columns[w.keys:]] + [f"{n} = {v}" for n, v in fixed.items()]
    where = " AND ".join(f"t.{n} = v.{n}" for n, _ in w.columns[:w.keys])
    return f"UPDATE {w.table} t SET {', '.join(sets)} FROM {source} WHERE {where}"


def write_statement(writes: tuple[Write, ...]) -> str:
    """All of a group's writes as one statement (the last one is the main statement, the rest CTEs)."""
    params = _fixed_params(writes)
    fixed_at = {v: f"${i + 1}" for i, v in enumerate(params)}
    parts, first = [], len(params) + 1
    for w in writes:
        parts.append(_part(w, first, fixed_at))
        first += len(w.columns)
    if len(parts) == 1:
        return parts[0]
    ctes = ",\n".join(f"w{i} AS ({part})" for i, part in enumerate(parts[:-1]))
    return f"WITH {ctes}\n{parts[-1]}"


class PgStore(Store):
    """Store on an asyncpg connection (already inside the group's transaction)."""

    _sql_cache: dict[tuple[Any, ...], str] = {}
    _write_cache: dict[tuple[Write, ...], str] = {}

    def __init__(self, conn: Any):
        self.conn = conn

    def param(self, n: int) -> str:
        return f"${n}"

    def typed_param(self, n: int, sql_type: str) -> str:
        return f"${n}::{sql_type}"

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

    def new_ids_sql(self, table: str, k: int) -> str:
        return (f"(SELECT json_agg(nextval(pg_get_serial_sequence('{table}', 'id'))) "
                f"FROM generate_series(1, ($7::int[])[{k + 1}]))")

    def new_ids_of(self, value: list[Any], count: int) -> list[int]:
        return sorted(int(v) for v in value)

    def bind_list(self, values: Sequence[Any]) -> Any:
        return list(values)

    def bind_time(self, value: datetime) -> Any:
        return value

    def bind_date(self, value: date) -> Any:
        return value

    def read_json(self, value: Any) -> Any:
        return value  # the connection's json codec (db.py) already decoded it

    async def read(self, session_ids: Sequence[str], answer_keys: Sequence[tuple[str, str]], user_ids: Sequence[int],
                   *args: Any, **kwargs: Any) -> Reads:
        """Lock the players first, then read everything in a statement that starts after the locks are held.

        READ COMMITTED gives each statement one snapshot, taken when it starts. Had the one read statement
        waited for a player's lock, the row it locked would come back as the holder committed it, but the rest
        of the statement (stored answers, streak days, reward rows, pity, …) as it was before: another group
        (this instance's second drain, or another instance) could have committed in between, and balances
        built on that stale read were lost. Every plan changes a player's state only under that player's lock,
        so once this statement holds them, the read that follows sees all of it.
        """
        if user_ids:
            # The same rows, order and lock mode as the players' part of the read.
            await self.fetch(f"SELECT sp.active_user_id {self.players_rows(1)} FOR NO KEY UPDATE", list(user_ids))
        return await super().read(session_ids, answer_keys, user_ids, *args, **kwargs)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        count_statements()
        return await self.conn.fetch(sql, *args)  # type: ignore[no-any-return]

    async def write(self, rows: Rows, writes: tuple[Write, ...]) -> None:
        used = tuple(w for w in writes if rows.get(w.rows))
        if not used:
            return
        sql = self._write_cache.get(used)
        if sql is None:
            sql = self._write_cache[used] = write_statement(used)
        values = {NOW: rows.now, LEASE: rows.lease}
        args: list[Any] = [values[v] for v in _fixed_params(used)]
        for w in used:
            args += zip(*rows[w.rows], strict=True)
        count_statements()
        await self.conn.execute(sql, *args)
