"""The settlement unit of work: one locking read for a group of plans, the rules in memory, set-based writes.

A group is one transaction. Plans apply in arrival order against the locked state, so each sees exactly
what it would have seen settled on its own after the ones before it; a request alone is a group of one,
the same code. Idempotency records and outbox events are written in the same transaction as the effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from casino_club.auth.errors import AccountBanned
from casino_club.auth.profile import profile_json
from casino_club.config import Settings
from casino_club.kit.clock import Clock
from casino_club.kit.errors import DomainError, IdempotencyInFlight, IdempotencyKeyReused, InvalidToken, NotFound
from casino_club.kit.idempotency import stored_outcome
from casino_club.kit.ids import new_uuid
from casino_club.kit.jsonfast import dumps, json_time
from casino_club.ops.ledger_metrics import count_committed
from casino_club.settlement.plan import Answer, Outcome, Plan
from casino_club.settlement.rules.ledger import (
    Posting,
    Wallet,
    incur_debt,
    post_credit,
    post_debit,
    post_repayment,
)
from casino_club.settlement.rules.levels import gain_xp, level_for, xp_to_next
from casino_club.settlement.rules.progress import (
    PERIODS,
    EventRow,
    MissionRow,
    advance_events,
    advance_missions,
    clean_metrics,
    period_start,
)
from casino_club.settlement.rules.stats import STAT_FIELDS, empty_stats
from casino_club.settlement.store import CORE_WRITES, Read, Reads, Rows, Store, StoredAnswer, Write
from casino_club.wallet.service import System, system_code


@dataclass(frozen=True)
class NeedsSeedPair:
    """A player of the plan has no active seed pair yet: the writer commits one, then settles the plan again."""

    user_id: int


class GroupRetry(Exception):
    """A plan failed after changing the group's state: nothing of the group is written.

    The writer settles each plan of a larger group on its own; a group of one is answered with `error`.
    """

    def __init__(self, error: DomainError):
        super().__init__(error.code)
        self.error = error


@dataclass
class Player:
    """A locked player's running state while the group's plans are applied in order."""

    user_id: int
    wallet: Wallet
    seed_pair_id: int
    server_seed: str
    server_seed_hash: str
    client_seed: str
    nonce: int
    xp: int
    seq: int
    base_profile: dict[str, Any]  # the JSON profile before the group; plans overlay gold, xp and level
    touched: bool = False


class Unit:
    """The reads, in-memory application and writes of one settlement group."""

    def __init__(self, store: Store, settings: Settings, clock: Clock, systems: dict[str, int], direct: bool = False):
        self.store, self.settings, self.systems = store, settings, systems
        self.direct = direct  # events are stored as published: the caller hands `envelopes` over after commit
        self.envelopes: list[tuple[int, dict[str, Any]]] = []
        self.now = clock.now()
        self.now_json = json_time(self.now)  # every plan of the group settles at this instant
        self.today = clock.today()
        self.midnight = clock.local_midnight_utc(self.today)
        self.starts = {period: period_start(period, self.today) for period in PERIODS}
        self.rows = Rows(self.now, self.now + timedelta(seconds=settings.idempotency_lock_s))
        self.players: dict[int, Player] = {}
        self.game_stats: dict[tuple[int, str], dict[str, int]] = {}
        self.item_deltas: dict[tuple[int, str], int] = {}
        self.item_left: dict[tuple[int, str], int] = {}
        self.extra: dict[str, Any] = {}
        self.after_commit: list[Callable[[], None]] = []
        self.postings: list[Posting] = []
        self.events_by_user: set[int] = set()
        self._reads: Reads | None = None
        self._new_ids: dict[str, list[int]] = {}
        self._changed = False

    # --- the group -----------------------------------------------------------------------------------------

    async def settle(self, plans: list[Plan]) -> list[Outcome | NeedsSeedPair]:
        """Apply every plan in order and write the group; each plan's answer or domain error."""
        keys = sorted({(p.scope, p.key) for p in plans if p.key is not None})
        metrics = sorted({m for p in plans for m in p.metrics})
        reads: dict[str, Read] = {}
        for p in plans:
            for r in p.extra_reads():
                reads.setdefault(r.name, r)
        got = self._reads = await self.store.read(
            sorted({p.session_id for p in plans if p.session_id is not None}), keys, sorted({u for p in plans for u in p.players()}),
            metrics, sorted(set(self.starts.values())), self.now, self.midnight, _id_counts(plans),
            sorted({i for p in plans for i in p.ref_ids()}), self.today, tuple(reads.values()))
        self.extra = got.extra
        self._new_ids = {t: list(ids) for t, ids in got.new_ids.items()}
        self.players = {uid: Player(uid, Wallet(row.account_id, row.balance, row.owed), row.seed_pair_id, row.server_seed,
                                    row.server_seed_hash, row.client_seed, row.next_nonce, row.user.xp, row.event_seq,
                                    profile_json(row.user, row.balance))
                        for uid, row in got.players.items()}
        stored = {(a.scope, a.key): a for a in got.answers}
        claimed: dict[tuple[str, str], tuple[str | None, Outcome]] = {}
        abandoned: list[StoredAnswer] = []
        outcomes = [self._one(plan, stored, claimed, abandoned) for plan in plans]
        if any(isinstance(o, Answer) and not o.replayed for o in outcomes):
            await self.store.drop_abandoned(abandoned)
            await self._write(plans)
        return outcomes

    def _one(self, plan: Plan, stored: dict[tuple[str, str], StoredAnswer],
             claimed: dict[tuple[str, str], tuple[str | None, Outcome]],
             abandoned: list[StoredAnswer]) -> Outcome | NeedsSeedPair:
        ident = (plan.scope, plan.key) if plan.key is not None else None
        if plan.key_mode == "finish":
            ident = None  # the key is this request's own, held in flight by its first step
        try:
            if ident is not None:
                earlier = claimed.get(ident)
                if earlier is not None and isinstance(earlier[1], IdempotencyInFlight):
                    raise IdempotencyInFlight()  # held by a plan earlier in this group (its second step follows)
                if earlier is not None and isinstance(earlier[1], Answer):  # the same key earlier in this group
                    replay = _replay_of(earlier, plan.fingerprint)
                    if replay is not None:
                        return replay
                record = stored.get(ident)
                if record is not None and earlier is None:
                    if stored_outcome(record, plan.fingerprint or "", self.now) == "done":
                        return Answer(record.status_code or 200, record.response, replayed=True)
                    abandoned.append(record)  # its first attempt died: this one takes over
                    del stored[ident]
            missing = self._check_caller(plan)
            if missing is not None:
                return NeedsSeedPair(missing)
        except DomainError as exc:
            return exc
        self._changed = False
        try:
            answer = plan.apply(self)
        except DomainError as exc:
            if self._changed:
                raise GroupRetry(exc) from exc
            if ident is not None:
                claimed.setdefault(ident, (plan.fingerprint, exc))
            return exc
        if ident is not None:
            claimed[ident] = (plan.fingerprint, IdempotencyInFlight() if plan.key_mode == "hold" else answer)
        if plan.key is None:
            return answer
        if plan.key_mode == "hold":
            self.rows.add("answers_held", (plan.scope, plan.key, plan.fingerprint))
        else:
            self.rows.add("answers_final" if plan.key_mode == "finish" else "answers",
                          (plan.scope, plan.key, plan.fingerprint, answer.status, dumps(answer.body)))
        return answer

    def _check_caller(self, plan: Plan) -> int | None:
        """A caller's session is live and his, and he is not banned; a player of the plan without a seed pair yet."""
        assert self._reads is not None
        if plan.session_id is not None and self._reads.sessions.get(plan.session_id) != (plan.caller_id or plan.user_id):
            raise InvalidToken({"reason": "session ended"})
        plan.authorize(self)
        missing = next((u for u in plan.players() if u not in self._reads.players), None)
        if missing is not None:
            return missing
        if self._reads.players[plan.user_id].banned and plan.session_id is not None and plan.caller_id is None:
            raise AccountBanned()  # jobs (no session) still end a banned player's rounds
        return None

    async def _write(self, plans: list[Plan]) -> None:
        for kind in dict.fromkeys(type(p) for p in plans):
            kind.finish(self)
        for player in self.players.values():
            if player.touched:
                self.rows.add("accounts", (player.wallet.account_id, player.wallet.balance, player.wallet.owed))
                self.rows.add("seed_pairs", (player.seed_pair_id, player.nonce))
                self.rows.add("users", (player.user_id, player.xp, player.seq))
        for (uid, item_id), delta in sorted(self.item_deltas.items()):
            if delta:
                self.rows.add("inventory", (uid, item_id, delta))
        for (uid, item_id), left in sorted(self.item_left.items()):
            self.rows.add("inventory_set", (uid, item_id, left))
        for (uid, game), stat in self.game_stats.items():
            self.rows.add("stats", (uid, game, *(stat[f] for f in STAT_FIELDS)))
        assert self._reads is not None
        for (tid, uid, start), m in self._reads.missions.items():
            if m.dirty and m.id is None:
                self.rows.add("missions_new", (tid, uid, start, m.value, m.completed_at, m.claimed_at))
            elif m.dirty:
                self.rows.add("missions_old", (m.id, m.value, m.completed_at, m.claimed_at))
        for events in self._reads.events.values():
            for ev in events:
                for metric in sorted(ev.dirty):
                    self.rows.add("event_progress", (ev.progress_ids[metric], ev.progress[metric]))
                if ev.newly_completed:
                    self.rows.add("event_done", (ev.participation_id, self.now))
        writes: dict[str, Write] = {}
        for p in plans:
            for w in p.writes:
                writes.setdefault(w.rows, w)
        for w in CORE_WRITES:
            writes.setdefault(w.rows, w)
        await self.store.write(self.rows, tuple(writes.values()))

    def committed(self) -> set[int]:
        """Count what committed in the metrics; the players who got outbox events."""
        for posting in self.postings:
            incoming = posting.credit_after is not None
            count_committed(posting.reason, "in" if incoming else "out", posting.amount)
        for fn in self.after_commit:
            fn()
        return self.events_by_user

    # --- what plans use ------------------------------------------------------------------------------------

    def player(self, user_id: int) -> Player:
        """A locked player of this group."""
        found = self.players.get(user_id)
        if found is None:
            raise NotFound({"user_id": user_id})
        return found

    def _touch(self, user_id: int) -> Player:
        player = self.player(user_id)
        player.touched = True
        self._changed = True
        return player

    def take_nonce(self, user_id: int) -> int:
        """The next nonce of the player's active seed pair."""
        player = self._touch(user_id)
        nonce = player.nonce
        player.nonce += 1
        return nonce

    def debit(self, user_id: int, amount: int, sink: System, reason: str, reference: str | None = None,
              dedupe_key: str | None = None, memo: str | None = None) -> Posting:
        """Player -> system account; 409 INSUFFICIENT_GOLD (nothing changed) if short."""
        player = self.player(user_id)
        posting = post_debit(player.wallet, self.systems[system_code(sink)], amount, reason, reference, dedupe_key,
                             memo)
        return self._post(user_id, posting)

    def credit(self, user_id: int, amount: int, source: System, reason: str, reference: str | None = None,
               dedupe_key: str | None = None, memo: str | None = None) -> Posting:
        """System account -> player; what the player owes is paid from it first (a `debt_repayment` transfer)."""
        player = self.player(user_id)
        posting = self._post(user_id, post_credit(player.wallet, self.systems[system_code(source)], amount, reason,
                                                  reference, dedupe_key, memo))
        repaid = post_repayment(player.wallet, self.systems[system_code(System.SHOP)], reference)
        if repaid is not None:
            self._post(user_id, repaid)
        return posting

    def owe(self, user_id: int, amount: int, reason: str, reference: str | None) -> None:
        """Record gold the player owes (a claw-back the balance could not cover); later credits pay it."""
        player = self._touch(user_id)
        incur_debt(player.wallet, amount)
        self.rows.add("debts", (player.wallet.account_id, amount, reason, reference))

    def _post(self, user_id: int, posting: Posting) -> Posting:
        self._touch(user_id)
        self.postings.append(posting)
        self.rows.add("transfers", (posting.debit_id, posting.credit_id, posting.amount, posting.reason,
                                    posting.reference, posting.dedupe_key, posting.debit_after, posting.credit_after,
                                    posting.memo))
        return posting

    def gain_xp(self, user_id: int, xp: int, source: str) -> None:
        """Add XP; a `level_up` event when the level changes."""
        player = self._touch(user_id)
        player.xp, level_up = gain_xp(player.xp, xp, source)
        if level_up is not None:
            self.emit(user_id, "level_up", level_up)

    def progress(self, user_id: int, metrics: dict[str, int]) -> list[dict[str, Any]]:
        """Advance missions and joined events; one `event_progress` event when anything visible moved."""
        clean = clean_metrics(metrics)
        if not clean:
            return []
        assert self._reads is not None
        self._touch(user_id)
        changes = advance_missions(self._reads.templates, self._reads.missions, user_id, clean, self.starts, self.now)
        changes += advance_events(self._reads.events.get(user_id, []), clean)
        if changes:
            self.emit(user_id, "event_progress", {"metrics": clean, "updates": changes})
        return changes

    @property
    def missions(self) -> dict[tuple[int, int, date], MissionRow]:
        """The group's mission progress rows: (template, user, period start) -> row (written if dirty)."""
        assert self._reads is not None
        return self._reads.missions

    def open_events(self, user_id: int) -> list[EventRow]:
        """The player's open participations in running events, as the group holds them."""
        assert self._reads is not None
        return self._reads.events.setdefault(user_id, [])

    def stats(self, user_id: int, game: str) -> dict[str, int]:
        """The group's additions to the player's stats row for `game` (the write adds them in place)."""
        self._changed = True
        row = self.game_stats.get((user_id, game))
        if row is None:
            row = self.game_stats[(user_id, game)] = empty_stats()
        return row

    def emit(self, user_id: int, type_: str, data: dict[str, Any]) -> None:
        """Append an outbox event with the player's next seq (JSON-ready data)."""
        player = self._touch(user_id)
        player.seq += 1
        event_id = new_uuid()
        self.events_by_user.add(user_id)
        self.rows.add("events", (event_id, user_id, player.seq, type_, dumps(data), self.now if self.direct else None))
        if self.direct:
            self.envelopes.append((user_id, {"id": event_id, "seq": player.seq, "type": type_,
                                             "ts": self.now.isoformat(), "data": data}))

    def add_items(self, user_id: int, item_id: str, quantity: int) -> None:
        """Add to the player's stack of an item."""
        self._touch(user_id)
        self.item_deltas[(user_id, item_id)] = self.item_deltas.get((user_id, item_id), 0) + quantity

    def items_left(self, user_id: int, item_id: str, quantity: int) -> None:
        """Set what is left of a stack the plan used some of (it read the stack under the player's lock)."""
        self._touch(user_id)
        self.item_left[(user_id, item_id)] = quantity

    def record_action(self, user_id: int, kind: str, data: dict[str, Any], reference: str | None = None) -> None:
        """A line of the player's action history."""
        self.add("actions", (user_id, kind, reference, dumps(data)))

    def add(self, write: str, row: tuple[Any, ...]) -> None:
        """Queue a row of a plan's own write (named by Write.rows)."""
        self._changed = True
        self.rows.add(write, row)

    def new_id(self, table: str) -> int:
        """A reserved id for a new row of `table` (the plan asked for it in new_ids)."""
        return self._new_ids[table].pop(0)

    def profile(self, user_id: int) -> dict[str, Any]:
        """The player's JSON profile as it stands now in the group."""
        player = self.player(user_id)
        return player.base_profile | {"gold": player.wallet.balance, "xp": player.xp, "level": level_for(player.xp),
                                      "xp_to_next": xp_to_next(player.xp)}


def _id_counts(plans: list[Plan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in plans:
        for table, n in p.new_ids().items():
            counts[table] = counts.get(table, 0) + n
    return counts


def _replay_of(earlier: tuple[str | None, Outcome], fingerprint: str | None) -> Outcome | None:
    """The answer for a repeat of a key answered earlier in the group (None: it failed, so settle again)."""
    first_fp, outcome = earlier
    if not isinstance(outcome, Answer):
        return None
    if first_fp != fingerprint:
        return IdempotencyKeyReused({"key_scope": "per user"})
    return Answer(outcome.status, outcome.body, replayed=True)
