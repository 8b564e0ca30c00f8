"""The settlement's reads and writes, as driver calls on one raw connection (no ORM on this path).

Through SQLAlchemy one statement cost ~0.8 ms of CPU against 30-60 µs on the driver, so a group talks to
the driver: every read is one prepared statement whose list parameters are one array (PostgreSQL
`= ANY($n)`) or one JSON text (SQLite `json_each`), so the SQL text never depends on the group's size, and
writes go as whole columns. The dialect classes (store_pg, store_sqlite) say how to bind, lock and write;
the SQL of the reads is here once. Row shapes follow the ORM models, which stay the schema's source of truth.

Parameters every read may use: $1 session ids, $2 now, $3/$4 idempotency (scope, key) pairs, $5 user ids,
$6 progress metrics, $7 how many new ids to reserve per table (in the order of `id_tables`), $8 mission period starts, $9 local midnight (UTC),
$10 ids of feature rows the plans name (Plan.ref_ids), $11 the operator's local today.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from casino_club.auth.profile import ProfileRow
from casino_club.settlement.rules.progress import EventRow, MissionRow, Template
from casino_club.settlement.rules.stats import STAT_FIELDS, STAT_MAXIMA

NOW, LEASE = "now", "lease"  # fixed values of writes that are parameters (Rows.now / Rows.lease)


@dataclass(frozen=True)
class Read:
    """An extra part of the group's one read: a JSON array of rows, parsed into `Unit.extra[name]`."""

    name: str
    sql: Callable[[Store], str]  # the part as a scalar subquery (rows_as_json / locked_rows_as_json)
    parse: Callable[[list[list[Any]]], Any]


@dataclass(frozen=True)
class Write:
    """One kind of row a group writes: an INSERT, an UPDATE by its `keys` leading columns, or a DELETE of rows
    matching every column (`delete`)."""

    rows: str  # the Rows key holding the tuples
    table: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type) of each tuple item; 'json' items are JSON text
    fixed: tuple[tuple[str, str], ...] = ()  # (column, NOW / LEASE / an SQL literal), the same for every row
    keys: int = 0
    # An INSERT that meets an existing row with these columns merges into it: column -> "add", "max" or "set".
    conflict: tuple[str, ...] = ()
    merge: tuple[tuple[str, str], ...] = ()
    delete: bool = False

    def merge_sql(self, greatest: str) -> str:
        """The ON CONFLICT clause of an upserting write (`greatest`: the dialect's two-argument max)."""
        sets = [f"{c} = {self.table}.{c} + excluded.{c}" if how == "add" else
                f"{c} = {greatest}({self.table}.{c}, excluded.{c})" if how == "max" else f"{c} = excluded.{c}"
                for c, how in self.merge]
        sets += [f"{c} = excluded.{c}" for c, _ in self.fixed]
        return f" ON CONFLICT ({', '.join(self.conflict)}) DO UPDATE SET {', '.join(sets)}"


class Rows(dict[str, list[tuple[Any, ...]]]):
    """Everything a group writes: Write.rows -> tuples in the column order of that Write."""

    def __init__(self, now: datetime, lease: datetime):
        super().__init__()
        self.now, self.lease = now, lease

    def add(self, name: str, row: tuple[Any, ...]) -> None:
        """Queue one row of the write named `name`."""
        self.setdefault(name, []).append(row)


# The writes every group may make, in order (foreign keys: rows a later write refers to come first).
CORE_WRITES = (
    Write("transfers", "transfers", (
        ("debit_account_id", "bigint"), ("credit_account_id", "bigint"), ("amount", "bigint"), ("reason", "text"),
        ("reference", "text"), ("dedupe_key", "text"), ("debit_balance_after", "bigint"),
        ("credit_balance_after", "bigint"), ("memo", "text")), (("created_at", NOW),)),
    Write("actions", "user_actions", (("user_id", "bigint"), ("kind", "text"), ("reference", "text"), ("data", "json")),
          (("created_at", NOW),)),
    Write("events", "outbox_events", (
        ("event_id", "text"), ("user_id", "bigint"), ("seq", "bigint"), ("type", "text"), ("data", "json"),
        ("published_at", "timestamptz")), (("created_at", NOW),)),
    Write("answers", "idempotency_keys", (
        ("scope", "text"), ("key", "text"), ("fingerprint", "text"), ("status_code", "int"), ("response", "json")),
        (("state", "'done'"), ("created_at", NOW), ("locked_until", LEASE))),
    # A first step that leaves its key in flight (a payment waits on the gateway) and the step that answers it.
    Write("answers_held", "idempotency_keys", (("scope", "text"), ("key", "text"), ("fingerprint", "text")),
          (("state", "'in_flight'"), ("created_at", NOW), ("locked_until", LEASE))),
    Write("answers_final", "idempotency_keys", (
        ("scope", "text"), ("key", "text"), ("fingerprint", "text"), ("status_code", "int"), ("response", "json")),
        (("state", "'done'"), ("created_at", NOW), ("locked_until", LEASE)), conflict=("scope", "key"),
        merge=(("fingerprint", "set"), ("status_code", "set"), ("response", "set"))),
    # Stats rows are never read first: the group adds its counts (and raises the maxima) in place.
    Write("stats", "game_stats", (("user_id", "bigint"), ("game", "text"), *((f, "bigint") for f in STAT_FIELDS)),
          (("updated_at", NOW),), conflict=("user_id", "game"),
          merge=tuple((f, "max" if f in STAT_MAXIMA else "add") for f in STAT_FIELDS)),
    # Item stacks: the group's gains per (player, item) are added in place; a stack used up is set to what is left
    # (an upsert of a negative change would fail the CHECK on its would-be inserted row).
    Write("inventory", "inventory", (("user_id", "bigint"), ("item_id", "text"), ("quantity", "int")),
          (("updated_at", NOW),), conflict=("user_id", "item_id"), merge=(("quantity", "add"),)),
    Write("inventory_set", "inventory", (("user_id", "bigint"), ("item_id", "text"), ("quantity", "int")),
          (("updated_at", NOW),), keys=2),
    Write("missions_new", "mission_progress", (
        ("template_id", "bigint"), ("user_id", "bigint"), ("period_start", "date"), ("value", "bigint"),
        ("completed_at", "timestamptz"), ("claimed_at", "timestamptz")), (("updated_at", NOW),)),
    Write("debts", "account_debts", (("account_id", "bigint"), ("amount", "bigint"), ("reason", "text"),
                                     ("reference", "text")), (("created_at", NOW),)),
    Write("accounts", "accounts", (("id", "bigint"), ("balance", "bigint"), ("owed", "bigint")), (("updated_at", NOW),),
          keys=1),
    Write("seed_pairs", "fairness_seed_pairs", (("id", "bigint"), ("next_nonce", "bigint")), keys=1),
    Write("users", "users", (("id", "bigint"), ("xp", "bigint"), ("event_seq", "bigint")), keys=1),
    Write("missions_old", "mission_progress", (
        ("id", "bigint"), ("value", "bigint"), ("completed_at", "timestamptz"), ("claimed_at", "timestamptz")),
        (("updated_at", NOW),), keys=1),
    Write("event_progress", "event_progress", (("id", "bigint"), ("value", "bigint")), keys=1),
    Write("event_done", "event_participations", (("id", "bigint"), ("completed_at", "timestamptz")), keys=1),
)


@dataclass
class LockedPlayer:
    """One player's seed pair, account and user row, locked for the group."""

    seed_pair_id: int
    server_seed: str
    server_seed_hash: str
    client_seed: str
    next_nonce: int
    account_id: int
    balance: int
    event_seq: int
    banned: bool
    user: ProfileRow
    owed: int = 0


@dataclass
class StoredAnswer:
    """An idempotency record already stored under one of the group's keys."""

    id: int
    scope: str
    key: str
    fingerprint: str
    state: str
    status_code: int | None
    response: Any
    locked_until: datetime


@dataclass
class Reads:
    """What a group reads, in one statement."""

    sessions: dict[str, int]  # live session id -> user id
    answers: list[StoredAnswer]
    templates: list[Template]  # live mission templates for the group's metrics, in id order
    new_ids: dict[str, list[int]]  # table -> reserved new ids, ascending, as many as asked for
    players: dict[int, LockedPlayer]  # user id -> locked rows, for the players with a seed pair
    missions: dict[tuple[int, int, date], MissionRow]  # (template, user, period start) -> locked progress row
    events: dict[int, list[EventRow]]  # user id -> open participations in running events
    extra: dict[str, Any]  # Read.name -> parsed rows


class Store(ABC):
    """Reads and writes of one group inside one transaction on a raw driver connection."""

    _sql_cache: dict[tuple[Any, ...], str]

    @abstractmethod
    def param(self, n: int) -> str:
        """Placeholder of the n-th (1-based) parameter."""

    def typed_param(self, n: int, sql_type: str) -> str:
        """The n-th parameter as a value of `sql_type`."""
        return self.param(n)

    @abstractmethod
    def among(self, n: int, sql_type: str) -> str:
        """SQL for "is one of the list bound as parameter n" (put after a column)."""

    @abstractmethod
    def among_pairs(self, n: int) -> str:
        """SQL for "(a, b) is one of the pairs bound as lists n and n + 1" (put after a row of two columns)."""

    @abstractmethod
    def rows_as_json(self, columns: str, rest: str) -> str:
        """A scalar subquery giving `SELECT columns rest` as one JSON array of arrays (NULL or [] if empty)."""

    @abstractmethod
    def locked_rows_as_json(self, columns: str, rest: str) -> str:
        """Like rows_as_json, the rows locked for the transaction in the order `rest` sorts them."""

    @abstractmethod
    def json_column(self, name: str) -> str:
        """A JSON column as a JSON value (not a string) inside rows_as_json."""

    @abstractmethod
    def new_ids_sql(self, table: str, k: int) -> str:
        """A scalar subquery reserving as many new ids of `table` as item k (0-based) of list $7 (see new_ids_of)."""

    @abstractmethod
    def new_ids_of(self, value: list[Any], count: int) -> list[int]:
        """`count` new ids, ascending, from what new_ids_sql returned."""

    @abstractmethod
    def bind_list(self, values: Sequence[Any]) -> Any:
        """A Python list as the value of an `among` parameter."""

    @abstractmethod
    def bind_time(self, value: datetime) -> Any:
        """A UTC datetime as a parameter."""

    @abstractmethod
    def bind_date(self, value: date) -> Any:
        """A date as a parameter."""

    @abstractmethod
    def read_json(self, value: Any) -> Any:
        """A JSON column value as Python data."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Run one statement and return its rows."""

    @abstractmethod
    async def write(self, rows: Rows, writes: tuple[Write, ...]) -> None:
        """Write every row of the group."""

    async def system_accounts(self) -> dict[str, int]:
        """Ids of the system accounts by code (never deleted or renumbered: read once per writer)."""
        rows = await self.fetch("SELECT code, id FROM accounts WHERE kind = 'system'")
        return {str(code): int(i) for code, i in rows}

    async def drop_abandoned(self, answers: list[StoredAnswer]) -> None:
        """Delete the in-flight records of dead first attempts this group takes over (still as they were read)."""
        for a in answers:
            await self.fetch(f"DELETE FROM idempotency_keys WHERE id = {self.param(1)} AND state = 'in_flight' "
                             f"AND locked_until = {self.param(2)}", a.id, self.bind_time(a.locked_until))

    async def read(self, session_ids: Sequence[str], answer_keys: Sequence[tuple[str, str]], user_ids: Sequence[int],
                   metrics: Sequence[str], starts: Sequence[date], now: datetime, midnight: datetime,
                   id_counts: dict[str, int], ref_ids: Sequence[int], today: date, extra: tuple[Read, ...]) -> Reads:
        """Everything a group reads, in one statement (one round trip), the players' rows locked.

        The unlocked parts (sessions, stored answers, mission templates, new round ids) come first; then the
        players' rows are locked, then their mission rows and event counters, then the extra parts (the order
        of every write transaction). PostgreSQL runs a statement's subqueries in the order they are written;
        were that ever not so, the cost is a deadlock, which fails the group and replays its plans one by one.
        A mission row another writer inserts while this one waits is not seen (one snapshot per statement); the
        group's own insert then hits the unique key and the plans replay the same way.
        """
        tables = tuple(sorted(t for t, n in id_counts.items() if n > 0))
        cache_key = (tables, *(r.name for r in extra))
        sql = self._sql_cache.get(cache_key)
        if sql is None:
            sql = self._sql_cache[cache_key] = self._read_sql(tables, extra)
        row = (await self.fetch(
            sql, self.bind_list(session_ids), self.bind_time(now),
            self.bind_list([k[0] for k in answer_keys]), self.bind_list([k[1] for k in answer_keys]),
            self.bind_list(user_ids), self.bind_list(metrics), self.bind_list([id_counts[t] for t in tables]),
            self.bind_list(starts),
            self.bind_time(midnight), self.bind_list(ref_ids), self.bind_date(today)))[0]
        sessions, answers, templates, players, missions, events, counters, *more = (
            self.read_json(v) or [] for v in row[4:])
        ids, more = more[:len(tables)], more[len(tables):]
        return Reads(
            {sid: uid for sid, uid in sessions},
            [StoredAnswer(a[0], a[1], a[2], a[3], a[4], a[5], a[6], parse_time(a[7])) for a in answers],
            sorted((Template(*t) for t in templates), key=lambda t: t.id),
            {t: self.new_ids_of(v, id_counts[t]) for t, v in zip(tables, ids, strict=True)},
            {r[0]: LockedPlayer(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), ProfileRow(
                r[0], r[10], r[11], r[12], r[13], r[14], r[15], r[16], bool(r[17]), parse_time(r[18]),
                _time_or_none(r[19])), int(r[20])) for r in players},
            {(r[1], r[2], date.fromisoformat(r[3])): MissionRow(r[0], r[4], _time_or_none(r[5]), _time_or_none(r[6]))
             for r in missions},
            _events(events, counters),
            {r.name: r.parse(v) for r, v in zip(extra, more, strict=True)})

    def players_rows(self, n: int) -> str:
        """FROM … ORDER BY of the players' locked rows (seed pair, account, user) for the ids in list n, in id order."""
        return ("FROM fairness_seed_pairs sp JOIN accounts a ON a.user_id = sp.active_user_id "
                f"JOIN users u ON u.id = sp.active_user_id WHERE sp.active_user_id {self.among(n, 'bigint')} "
                "ORDER BY sp.active_user_id")

    def _read_sql(self, tables: tuple[str, ...], extra: tuple[Read, ...]) -> str:
        """The statement of `read` in this dialect with these extra parts (rendered once per store)."""
        p = self.param
        template_ids = f"IN (SELECT id FROM mission_templates WHERE deleted_at IS NULL AND metric {self.among(6, 'text')})"
        open_parts = ("FROM event_participations p JOIN engagement_events e ON e.id = p.event_id "
                      f"WHERE p.user_id {self.among(5, 'bigint')} AND p.claimed_at IS NULL "
                      f"AND e.deleted_at IS NULL AND e.starts_at <= {p(2)} AND e.ends_at > {p(2)}")
        parts = [
            # Every parameter appears (SQLite counts them; PostgreSQL must be able to type each one).
            self.typed_param(7, "int[]"), self.typed_param(9, "timestamptz"), self.typed_param(10, "bigint[]"),
            self.typed_param(11, "date"),
            self.rows_as_json("id, user_id", f"FROM auth_sessions WHERE id {self.among(1, 'text')} "
                                             f"AND revoked_at IS NULL AND expires_at > {p(2)}"),
            # Exact pairs: `scope = ANY AND key = ANY` would walk the unique index once per combination.
            self.rows_as_json(f"id, scope, key, fingerprint, state, status_code, {self.json_column('response')}, "
                              "locked_until", f"FROM idempotency_keys WHERE (scope, key) {self.among_pairs(3)}"),
            self.rows_as_json("id, code, title, metric, target, period", "FROM mission_templates "
                                                                         "WHERE deleted_at IS NULL "
                                                                         f"AND metric {self.among(6, 'text')}"),
            # The lock an UPDATE takes (FOR NO KEY UPDATE: foreign-key checks of concurrent inserts do not wait
            # for it), players in id order so two writers never wait in a cycle. Players without a seed pair
            # are left out: the writer commits one for them and settles their plan again.
            self.locked_rows_as_json(
                "sp.active_user_id, sp.id, sp.server_seed, sp.server_seed_hash, sp.client_seed, sp.next_nonce, "
                "a.id, a.balance, u.event_seq, u.banned, u.site_id, u.nickname, u.phone_number, u.role, u.rank, "
                "u.xp, u.vip_points, u.totp_enabled, u.created_at, u.last_login_at, a.owed",
                self.players_rows(5)),
            self.locked_rows_as_json(
                "id, template_id, user_id, period_start, value, completed_at, claimed_at",
                f"FROM mission_progress WHERE user_id {self.among(5, 'bigint')} AND template_id {template_ids} "
                f"AND period_start {self.among(8, 'date')} ORDER BY user_id, template_id"),
            self.rows_as_json(f"p.user_id, p.event_id, p.id, e.title, {self.json_column('e.requirements')}, "
                              "p.completed_at", open_parts),
            self.locked_rows_as_json(
                "c.id, c.event_id, c.user_id, c.metric, c.value",
                f"FROM event_progress c WHERE c.user_id {self.among(5, 'bigint')} AND c.event_id IN "
                f"(SELECT p.event_id {open_parts}) ORDER BY c.user_id, c.event_id, c.metric"),
            *(self.new_ids_sql(t, k) for k, t in enumerate(tables)),
            *(r.sql(self) for r in extra),
        ]
        return f"SELECT {', '.join(parts)}"


def _events(participations: list[list[Any]], counters: list[list[Any]]) -> dict[int, list[EventRow]]:
    by_key: dict[tuple[int, int], EventRow] = {}
    out: dict[int, list[EventRow]] = {}
    for user_id, event_id, part_id, title, requirements, completed_at in participations:
        ev = EventRow(event_id, part_id, title, {k: int(v) for k, v in requirements.items()},
                      _time_or_none(completed_at), {})
        by_key[(user_id, event_id)] = ev
        out.setdefault(user_id, []).append(ev)
    for counter_id, event_id, user_id, metric, value in counters:
        row = by_key.get((user_id, event_id))
        if row is not None:
            row.progress[metric] = int(value)
            row.progress_ids[metric] = int(counter_id)
    return out


def _time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def parse_time(text: str) -> datetime:
    """A time rendered into JSON by either database (ISO with an offset, or SQLite's naive UTC text)."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
