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
from datetime import date, datetime
from typing import Any

STAT_FIELDS = ("rounds", "wins", "losses", "ties", "wagered", "won", "biggest_win", "highest_multiplier_x100")


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
class ProfileRow:
    """The user columns a profile is built from (duck-types the User model for build_profile)."""

    id: int
    site_id: str
    nickname: str
    phone_number: str | None
    role: str
    rank: str
    xp: int
    vip_points: int
    totp_enabled: bool
    created_at: datetime
    last_login_at: datetime | None


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
    stats_new: list[tuple[Any, ...]] = field(default_factory=list)  # user_id, game, *STAT_FIELDS
    stats_old: list[tuple[Any, ...]] = field(default_factory=list)  # user_id, game, *STAT_FIELDS
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
    Write("stats_new", "game_stats", (("user_id", "bigint"), ("game", "text"), *_STATS), {"updated_at": NOW}),
    Write("missions_new", "mission_progress", (
        ("template_id", "bigint"), ("user_id", "bigint"), ("period_start", "date"), ("value", "bigint"),
        ("completed_at", "timestamptz")), {"updated_at": NOW}),
    Write("accounts", "accounts", (("id", "bigint"), ("balance", "bigint")), {"updated_at": NOW}, keys=1),
    Write("seed_pairs", "fairness_seed_pairs", (("id", "bigint"), ("next_nonce", "bigint")), {}, keys=1),
    Write("users", "users", (("id", "bigint"), ("xp", "bigint"), ("event_seq", "bigint")), {}, keys=1),
    Write("stats_old", "game_stats", (("user_id", "bigint"), ("game", "text"), *_STATS), {"updated_at": NOW}, keys=2),
    Write("missions_old", "mission_progress", (("id", "bigint"), ("value", "bigint"), ("completed_at", "timestamptz")),
          {"updated_at": NOW}, keys=1),
)


class BatchStore(ABC):
    """Reads and writes of one group commit inside one transaction on a raw driver connection."""

    lock = ""  # row-lock clause of the locking reads (FOR NO KEY UPDATE where the database has row locks)

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
    def bind_list(self, values: Sequence[Any]) -> Any:
        """A Python list as the value of an `among` parameter."""

    @abstractmethod
    def bind_time(self, value: datetime) -> Any:
        """A UTC datetime as a parameter."""

    @abstractmethod
    def read_time(self, value: Any) -> datetime:
        """A UTC datetime column value as an aware datetime."""

    @abstractmethod
    def read_json(self, value: Any) -> Any:
        """A JSON column value as Python data."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Run one statement and return its rows."""

    @abstractmethod
    async def round_ids(self, count: int) -> list[int]:
        """Reserve `count` new game round ids, ascending."""

    @abstractmethod
    async def write(self, rows: BatchRows) -> None:
        """Write every row of the group commit."""

    def _time_or_none(self, value: Any) -> datetime | None:
        return None if value is None else self.read_time(value)

    async def house_account(self, code: str) -> int:
        """Id of the system account with this code."""
        rows = await self.fetch(f"SELECT id FROM accounts WHERE code = {self.param(1)}", code)
        return int(rows[0][0])

    async def live_sessions(self, session_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Session id -> user id for the sessions that are neither revoked nor expired."""
        rows = await self.fetch(
            f"SELECT id, user_id FROM auth_sessions WHERE id {self.among(1, 'text')} "
            f"AND revoked_at IS NULL AND expires_at > {self.param(2)}",
            self.bind_list(session_ids), self.bind_time(now))
        return {sid: uid for sid, uid in rows}

    async def stored_answers(self, scopes: Sequence[str], keys: Sequence[str]) -> list[StoredAnswer]:
        """Idempotency records stored under the (scopes[i], keys[i]) pairs."""
        # Exact pairs: `scope = ANY AND key = ANY` would walk the unique index once per combination.
        rows = await self.fetch(
            "SELECT scope, key, fingerprint, state, status_code, response, locked_until FROM idempotency_keys "
            f"WHERE (scope, key) {self.among_pairs(1)}", self.bind_list(scopes), self.bind_list(keys))
        return [StoredAnswer(r[0], r[1], r[2], r[3], r[4], None if r[5] is None else self.read_json(r[5]),
                             self.read_time(r[6])) for r in rows]

    async def lock_players(self, user_ids: Sequence[int]) -> dict[int, LockedPlayer]:
        """Lock and read the players' active seed pairs, accounts and users, in user id order.

        The rows are locked with the lock an UPDATE takes (FOR NO KEY UPDATE, which foreign-key checks of
        concurrent inserts do not wait for), a player's rows in the order a one-round transaction takes
        them (seed pair, account, user) and players in id order, so two writers never wait in a cycle.
        Players without a seed pair yet are left out: their first round creates it on the one-round path.
        """
        rows = await self.fetch(
            "SELECT sp.active_user_id, sp.id, sp.server_seed, sp.server_seed_hash, sp.client_seed, sp.next_nonce, "
            "a.id, a.balance, u.event_seq, u.banned, u.site_id, u.nickname, u.phone_number, u.role, u.rank, u.xp, "
            "u.vip_points, u.totp_enabled, u.created_at, u.last_login_at "
            "FROM fairness_seed_pairs sp JOIN accounts a ON a.user_id = sp.active_user_id "
            f"JOIN users u ON u.id = sp.active_user_id WHERE sp.active_user_id {self.among(1, 'bigint')} "
            f"ORDER BY sp.active_user_id{self.lock}", self.bind_list(user_ids))
        return {r[0]: LockedPlayer(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), ProfileRow(
            r[0], r[10], r[11], r[12], r[13], r[14], r[15], r[16], bool(r[17]), self.read_time(r[18]),
            self._time_or_none(r[19]))) for r in rows}

    async def stats_rows(self, user_ids: Sequence[int], games: Sequence[str]) -> dict[tuple[int, str], dict[str, int]]:
        """Locked stats rows of the players for the games played."""
        rows = await self.fetch(
            f"SELECT user_id, game, {', '.join(STAT_FIELDS)} FROM game_stats WHERE user_id {self.among(1, 'bigint')} "
            f"AND game {self.among(2, 'text')} ORDER BY user_id, game{self.lock}",
            self.bind_list(user_ids), self.bind_list(games))
        return {(r[0], r[1]): dict(zip(STAT_FIELDS, r[2:], strict=True)) | {"_new": 0} for r in rows}

    async def event_participants(self, user_ids: Sequence[int], now: datetime) -> set[int]:
        """Players with an open, unclaimed event (their rounds take the one-round path)."""
        rows = await self.fetch(
            "SELECT DISTINCT p.user_id FROM event_participations p JOIN engagement_events e ON e.id = p.event_id "
            f"WHERE p.user_id {self.among(1, 'bigint')} AND p.claimed_at IS NULL AND e.deleted_at IS NULL "
            f"AND e.starts_at <= {self.param(2)} AND e.ends_at > {self.param(2)}",
            self.bind_list(user_ids), self.bind_time(now))
        return {r[0] for r in rows}

    async def mission_templates(self, metrics: Sequence[str]) -> list[Template]:
        """Live mission templates counting any of `metrics`, in id order."""
        rows = await self.fetch(
            "SELECT id, code, title, metric, target, period FROM mission_templates "
            f"WHERE deleted_at IS NULL AND metric {self.among(1, 'text')} ORDER BY id", self.bind_list(metrics))
        return [Template(*r) for r in rows]

    async def mission_rows(self, user_ids: Sequence[int], template_ids: Sequence[int],
                           starts: Sequence[date]) -> dict[tuple[int, int, date], MissionRow]:
        """Locked progress rows of these periods for the players and templates."""
        rows = await self.fetch(
            "SELECT id, template_id, user_id, period_start, value, completed_at, claimed_at FROM mission_progress "
            f"WHERE user_id {self.among(1, 'bigint')} AND template_id {self.among(2, 'bigint')} "
            f"AND period_start {self.among(3, 'date')} ORDER BY user_id, template_id{self.lock}",
            self.bind_list(user_ids), self.bind_list(template_ids), self.bind_list(starts))
        return {(r[1], r[2], self.read_date(r[3])): MissionRow(r[0], r[4], self._time_or_none(r[5]),
                                                               self._time_or_none(r[6])) for r in rows}

    def read_date(self, value: Any) -> date:
        """A DATE column value as a date."""
        return value if isinstance(value, date) else date.fromisoformat(value)
