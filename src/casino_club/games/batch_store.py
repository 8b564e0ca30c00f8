"""The group commit's reads and writes, as driver calls on one raw connection (no ORM, no Core on this path).

A group commit settles ~30 rounds with ~20 statements; through SQLAlchemy each statement cost more Python
than the rows it carried (bench/README.md measured the group's fixed cost at ~10 ms of CPU). Here every
read is one prepared statement whose list parameters are one array (PostgreSQL `= ANY($n)`) or one JSON
text (SQLite `json_each`), so the SQL text never depends on the batch size; writes go as whole columns.
The dialect classes (batch_store_pg, batch_store_sqlite) only say how to bind, lock and write; the SQL of
the reads is here once. Row shapes follow the ORM models, which stay the schema's source of truth.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from casino_club.auth.profile import ProfileRow

STAT_FIELDS = ("rounds", "wins", "losses", "ties", "wagered", "won", "biggest_win", "highest_multiplier_x100")
STAT_MAXIMA = ("biggest_win", "highest_multiplier_x100")  # the others are sums
_READS_SQL: dict[type, str] = {}  # store class -> its first_reads statement


@dataclass
class Player:
    """A locked player's running state while the batch's rounds are applied in order."""

    user_id: int
    account_id: int
    balance: int
    seed_pair_id: int
    server_seed: str
    server_seed_hash: str
    client_seed: str
    nonce: int
    xp: int
    seq: int
    banned: bool
    profile: dict[str, Any]  # the JSON profile before the batch; rounds overlay gold, xp and level


@dataclass
class LockedPlayer:
    """One player's seed pair, account and user row, locked for the batch."""

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


@dataclass
class StoredAnswer:
    """An idempotency record already stored under one of the batch's keys."""

    scope: str
    key: str
    fingerprint: str
    state: str
    status_code: int | None
    response: Any
    locked_until: datetime


@dataclass
class FirstReads:
    """What a batch reads, in one statement."""

    sessions: dict[str, int]  # live session id -> user id
    answers: list[StoredAnswer]
    in_events: set[int]  # players with an open, unclaimed event
    templates: list[Template]  # live mission templates for the batch's metrics, in id order
    round_ids: list[int]  # new game round ids, ascending, at least as many as the batch's jobs
    players: dict[int, LockedPlayer]  # user id -> locked rows, for the players with a seed pair
    missions: dict[tuple[int, int, date], MissionRow]  # (template, user, period start) -> locked progress row


@dataclass(frozen=True)
class Template:
    """A live mission template counting one of the batch's metrics."""

    id: int
    code: str
    title: str
    metric: str
    target: int
    period: str


@dataclass
class MissionRow:
    """A mission progress counter (id None until inserted)."""

    id: int | None
    value: int
    completed_at: datetime | None
    claimed_at: datetime | None
    dirty: bool = False


@dataclass
class BatchRows:
    """Everything a group commit writes, one tuple per row, in the column order of each comment."""

    now: datetime
    lease: datetime  # idempotency lease of the stored answers
    # id, user_id, game, stake, payout, result, params, outcome, seed_pair_id, server_seed_hash, client_seed, nonce
    rounds: list[tuple[Any, ...]] = field(default_factory=list)
    # debit, credit, amount, reason, reference, dedupe_key, debit_balance_after, credit_balance_after
    transfers: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)  # event_id, user_id, seq, type, data, published_at
    actions: list[tuple[Any, ...]] = field(default_factory=list)  # user_id, reference, data
    answers: list[tuple[Any, ...]] = field(default_factory=list)  # scope, key, fingerprint, response
    accounts: list[tuple[Any, ...]] = field(default_factory=list)  # id, balance
    seed_pairs: list[tuple[Any, ...]] = field(default_factory=list)  # id, next_nonce
    users: list[tuple[Any, ...]] = field(default_factory=list)  # id, xp, event_seq
    stats: list[tuple[Any, ...]] = field(default_factory=list)  # user_id, game, *STAT_FIELDS of this batch
    # template_id, user_id, period_start, value, completed_at
    missions_new: list[tuple[Any, ...]] = field(default_factory=list)
    missions_old: list[tuple[Any, ...]] = field(default_factory=list)  # id, value, completed_at


NOW, LEASE = "now", "lease"  # fixed values of the writes below that are parameters (BatchRows.now / .lease)
_STATS = tuple((f, "bigint") for f in STAT_FIELDS)


@dataclass(frozen=True)
class Write:
    """One kind of row a group commit writes: an INSERT, or an UPDATE by its `keys` leading columns."""

    rows: str  # the BatchRows field holding the tuples
    table: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type) of each tuple item; 'json' items are JSON text
    fixed: dict[str, str]  # column -> NOW, LEASE or an SQL literal, the same for every row
    keys: int = 0
    # An INSERT that meets an existing row with these columns merges into it: column -> "add" or "max".
    conflict: tuple[str, ...] = ()
    merge: tuple[tuple[str, str], ...] = ()

    def merge_sql(self, greatest: str) -> str:
        """The ON CONFLICT clause of an upserting write (`greatest`: the dialect's two-argument max)."""
        sets = [f"{c} = {self.table}.{c} + excluded.{c}" if how == "add" else
                f"{c} = {greatest}({self.table}.{c}, excluded.{c})" for c, how in self.merge]
        sets += [f"{c} = excluded.{c}" for c in self.fixed]
        return f" ON CONFLICT ({', '.join(self.conflict)}) DO UPDATE SET {', '.join(sets)}"


WRITES = (
    Write("rounds", "game_rounds", (
        ("id", "bigint"), ("user_id", "bigint"), ("game", "text"), ("stake", "bigint"), ("payout", "bigint"),
        ("result", "text"), ("params", "json"), ("outcome", "json"), ("seed_pair_id", "bigint"),
        ("server_seed_hash", "text"), ("client_seed", "text"), ("nonce", "bigint")),
        {"status": "'settled'", "created_at": NOW, "settled_at": NOW}),
    Write("transfers", "transfers", (
        ("debit_account_id", "bigint"), ("credit_account_id", "bigint"), ("amount", "bigint"), ("reason", "text"),
        ("reference", "text"), ("dedupe_key", "text"), ("debit_balance_after", "bigint"),
        ("credit_balance_after", "bigint")), {"created_at": NOW}),
    Write("events", "outbox_events", (
        ("event_id", "text"), ("user_id", "bigint"), ("seq", "bigint"), ("type", "text"), ("data", "json"),
        ("published_at", "timestamptz")),
        {"created_at": NOW}),
    Write("actions", "user_actions", (("user_id", "bigint"), ("reference", "text"), ("data", "json")),
          {"kind": "'game'", "created_at": NOW}),
    Write("answers", "idempotency_keys", (
        ("scope", "text"), ("key", "text"), ("fingerprint", "text"), ("response", "json")),
        {"state": "'done'", "status_code": "200", "created_at": NOW, "locked_until": LEASE}),
    # Stats rows are never read first: the batch adds its counts (and raises the maxima) in place.
    Write("stats", "game_stats", (("user_id", "bigint"), ("game", "text"), *_STATS), {"updated_at": NOW},
          conflict=("user_id", "game"), merge=tuple((f, "max" if f in STAT_MAXIMA else "add") for f in STAT_FIELDS)),
    Write("missions_new", "mission_progress", (
        ("template_id", "bigint"), ("user_id", "bigint"), ("period_start", "date"), ("value", "bigint"),
        ("completed_at", "timestamptz")), {"updated_at": NOW}),
    Write("accounts", "accounts", (("id", "bigint"), ("balance", "bigint")), {"updated_at": NOW}, keys=1),
    Write("seed_pairs", "fairness_seed_pairs", (("id", "bigint"), ("next_nonce", "bigint")), {}, keys=1),
    Write("users", "users", (("id", "bigint"), ("xp", "bigint"), ("event_seq", "bigint")), {}, keys=1),
    Write("missions_old", "mission_progress", (("id", "bigint"), ("value", "bigint"), ("completed_at", "timestamptz")),
          {"updated_at": NOW}, keys=1),
)


class BatchStore(ABC):
    """Reads and writes of one group commit inside one transaction on a raw driver connection."""

    @abstractmethod
    def param(self, n: int) -> str:
        """Placeholder of the n-th (1-based) parameter."""

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
    def round_ids_sql(self, n: int) -> str:
        """A scalar subquery reserving new game round ids for parameter n jobs (see round_ids_of)."""

    @abstractmethod
    def round_ids_of(self, value: list[list[int]], count: int) -> list[int]:
        """`count` new round ids, ascending, from what round_ids_sql returned."""

    @abstractmethod
    def bind_list(self, values: Sequence[Any]) -> Any:
        """A Python list as the value of an `among` parameter."""

    @abstractmethod
    def bind_time(self, value: datetime) -> Any:
        """A UTC datetime as a parameter."""

    @abstractmethod
    def read_json(self, value: Any) -> Any:
        """A JSON column value as Python data."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Run one statement and return its rows."""

    @abstractmethod
    async def write(self, rows: BatchRows) -> None:
        """Write every row of the group commit."""

    async def house_account(self, code: str) -> int:
        """Id of the system account with this code."""
        rows = await self.fetch(f"SELECT id FROM accounts WHERE code = {self.param(1)}", code)
        return int(rows[0][0])

    async def first_reads(self, session_ids: Sequence[str], answer_keys: Sequence[tuple[str, str]],
                          user_ids: Sequence[int], metrics: Sequence[str], starts: Sequence[date], now: datetime,
                          id_count: int) -> FirstReads:
        """Everything a batch reads, in one statement (one round trip), the players' rows locked.

        Each part is one JSON array of rows. The unlocked parts (sessions, stored answers, event players,
        mission templates, new round ids) come first; then the players' rows are locked, then their mission
        rows of the current periods (the order of a one-round transaction). PostgreSQL runs a statement's
        subqueries in the order they are written; were that ever not so, the cost is a deadlock, which fails
        the batch and replays its rounds one by one. A mission row another writer inserts while this one
        waits is not seen (one snapshot per statement); the batch's own insert then hits the unique key and
        the rounds replay the same way.
        """
        sql = _READS_SQL.get(type(self)) or _READS_SQL.setdefault(type(self), self._reads_sql())
        row = (await self.fetch(
            sql, self.bind_list(session_ids), self.bind_time(now),
            self.bind_list([k[0] for k in answer_keys]), self.bind_list([k[1] for k in answer_keys]),
            self.bind_list(user_ids), self.bind_list(metrics), id_count, self.bind_list(starts)))[0]
        sessions, answers, events, templates, ids, players, missions = (self.read_json(v) or [] for v in row)
        return FirstReads(
            {sid: uid for sid, uid in sessions},
            [StoredAnswer(a[0], a[1], a[2], a[3], a[4], a[5], parse_time(a[6])) for a in answers],
            {e[0] for e in events},
            sorted((Template(*t) for t in templates), key=lambda t: t.id),
            self.round_ids_of(ids, id_count),
            {r[0]: LockedPlayer(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), ProfileRow(
                r[0], r[10], r[11], r[12], r[13], r[14], r[15], r[16], bool(r[17]), parse_time(r[18]),
                _time_or_none(r[19]))) for r in players},
            {(r[1], r[2], date.fromisoformat(r[3])): MissionRow(r[0], r[4], _time_or_none(r[5]), _time_or_none(r[6]))
             for r in missions})

    def _reads_sql(self) -> str:
        """The statement of first_reads in this dialect (rendered once per store class)."""
        p = self.param
        template_ids = f"IN (SELECT id FROM mission_templates WHERE deleted_at IS NULL AND metric {self.among(6, 'text')})"
        parts = [
            self.rows_as_json("id, user_id", f"FROM auth_sessions WHERE id {self.among(1, 'text')} "
                                             f"AND revoked_at IS NULL AND expires_at > {p(2)}"),
            # Exact pairs: `scope = ANY AND key = ANY` would walk the unique index once per combination.
            self.rows_as_json(f"scope, key, fingerprint, state, status_code, {self.json_column('response')}, "
                              "locked_until", f"FROM idempotency_keys WHERE (scope, key) {self.among_pairs(3)}"),
            self.rows_as_json("p.user_id", "FROM event_participations p JOIN engagement_events e ON e.id = p.event_id "
                                           f"WHERE p.user_id {self.among(5, 'bigint')} AND p.claimed_at IS NULL "
                                           f"AND e.deleted_at IS NULL AND e.starts_at <= {p(2)} AND e.ends_at > {p(2)}"),
            self.rows_as_json("id, code, title, metric, target, period", "FROM mission_templates "
                                                                         "WHERE deleted_at IS NULL "
                                                                         f"AND metric {self.among(6, 'text')}"),
            self.round_ids_sql(7),
            # The lock an UPDATE takes (FOR NO KEY UPDATE: foreign-key checks of concurrent inserts do not wait
            # for it), players in id order so two writers never wait in a cycle. Players without a seed pair
            # yet are left out: their first round creates it on the one-round path.
            self.locked_rows_as_json(
                "sp.active_user_id, sp.id, sp.server_seed, sp.server_seed_hash, sp.client_seed, sp.next_nonce, "
                "a.id, a.balance, u.event_seq, u.banned, u.site_id, u.nickname, u.phone_number, u.role, u.rank, "
                "u.xp, u.vip_points, u.totp_enabled, u.created_at, u.last_login_at",
                "FROM fairness_seed_pairs sp JOIN accounts a ON a.user_id = sp.active_user_id "
                f"JOIN users u ON u.id = sp.active_user_id WHERE sp.active_user_id {self.among(5, 'bigint')} "
                "ORDER BY sp.active_user_id"),
            self.locked_rows_as_json(
                "id, template_id, user_id, period_start, value, completed_at, claimed_at",
                f"FROM mission_progress WHERE user_id {self.among(5, 'bigint')} AND template_id {template_ids} "
                f"AND period_start {self.among(8, 'date')} ORDER BY user_id, template_id"),
        ]
        return f"SELECT {', '.join(parts)}"


def _time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def parse_time(text: str) -> datetime:
    """A time rendered into JSON by either database (ISO with an offset, or SQLite's naive UTC text)."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
