"""Crash rounds as settlement plans: the bet (stake in, round open) and its end (cash-out, auto cash-out, crash).

m(t) = e^(0.06 t) from the round's start. A cash-out wins iff m(now) < the exact crash point and pays
stake × m(now), stake included, made whole by provably fair rounding (rules.round_gold). A round nobody cashes out ends at its `due_at`, settled by whoever
asks first: the settler job on any instance, a late cash-out or a read of the round. The round's rows are
locked in the group's read, and an end applies only to a round still open, so each ends exactly once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, ClassVar

from casino_club.fairness.engine import float_word, word_float
from casino_club.games.errors import RoundAlreadySettled, RoundCrashed, RoundNotFound
from casino_club.games.instant import InstantPlay
from casino_club.games.plans import bet_reads, count_round, take_bet
from casino_club.games.rules import crash, round_gold
from casino_club.kit.errors import error
from casino_club.kit.jsonfast import dumps, json_time
from casino_club.ops.metrics import GAME_WAGER
from casino_club.settlement.plan import Answer, Plan, error_answer
from casino_club.settlement.rules.levels import wager_xp
from casino_club.settlement.rules.stats import add_round
from casino_club.settlement.store import NOW, Read, Store, Write, parse_time
from casino_club.settlement.unit import Unit
from casino_club.wallet.service import System

OPEN_ROUNDS = Write("crash_open", "game_rounds", (
    ("id", "bigint"), ("user_id", "bigint"), ("stake", "bigint"), ("params", "json"), ("outcome", "json"),
    ("seed_pair_id", "bigint"), ("server_seed_hash", "text"), ("client_seed", "text"), ("nonce", "bigint")),
    (("game", "'crash'"), ("payout", "0"), ("result", "'open'"), ("status", "'open'"), ("created_at", NOW)))
CRASH_NEW = Write("crash_new", "crash_rounds", (
    ("round_id", "bigint"), ("user_id", "bigint"), ("seed_pair_id", "bigint"), ("stake", "bigint"),
    ("crash_x100", "int"), ("auto_cashout_x100", "int"), ("due_at", "timestamptz"), ("crash_word", "bigint"),
    ("round_word", "bigint")),
    (("started_at", NOW), ("status", "'open'")))
ENDED_ROUNDS = Write("crash_ended", "game_rounds", (
    ("id", "bigint"), ("payout", "bigint"), ("result", "text"), ("outcome", "json")),
    (("status", "'settled'"), ("settled_at", NOW)), keys=1)
CRASH_ENDED = Write("crash_closed", "crash_rounds", (("round_id", "bigint"),),
                    (("status", "'settled'"), ("settled_at", NOW)), keys=1)


def due_at(started_at: datetime, crash_x100: int, target_x100: int | None, point: Fraction) -> datetime:
    """When the server ends the round: at the reached auto cash-out, else at the exact crash (rounded up)."""
    won = target_x100 is not None and crash.auto_cashout_wins(target_x100, crash_x100)
    end = target_x100 / 100 if won and target_x100 is not None else float(point)
    micros = math.ceil(crash.seconds_until(end) * 1_000_000) + 1
    return started_at + timedelta(microseconds=micros)


def exact_point(crash_word: int | None, crash_x100: int) -> Fraction:
    """The round's exact crash point (decides manual cash-outs); rounds before migration 0004 use the shown one."""
    return crash.exact_point(word_float(crash_word)) if crash_word is not None else Fraction(crash_x100, 100)


def rounding_float(round_word: int | None) -> float:
    """The round's payout rounding float (the stream's second float)."""
    return word_float(round_word) if round_word is not None else 0.0


@dataclass
class CrashState:
    """A locked crash round with its game round row."""

    round_id: int
    user_id: int
    seed_pair_id: int
    stake: int
    crash_x100: int
    auto_cashout_x100: int | None
    started_at: datetime
    due_at: datetime
    status: str
    params: dict[str, Any]
    outcome: dict[str, Any]
    server_seed_hash: str
    client_seed: str
    nonce: int
    created_at: datetime
    result: str
    payout: int
    settled_at: datetime | None
    crash_word: int | None = None
    round_word: int | None = None


def _crash_sql(store: Store) -> str:
    return store.locked_rows_as_json(
        "c.round_id, c.user_id, c.seed_pair_id, c.stake, c.crash_x100, c.auto_cashout_x100, c.started_at, c.due_at, "
        f"c.status, {store.json_column('r.params')}, {store.json_column('r.outcome')}, r.server_seed_hash, "
        "r.client_seed, r.nonce, r.created_at, r.result, r.payout, r.settled_at, c.crash_word, c.round_word",
        f"FROM crash_rounds c JOIN game_rounds r ON r.id = c.round_id WHERE c.round_id {store.among(10, 'bigint')} "
        "ORDER BY c.round_id")


def _parse(rows: list[list[Any]]) -> dict[int, CrashState]:
    out = {}
    for r in rows:
        out[int(r[0])] = CrashState(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]),
                                    None if r[5] is None else int(r[5]), parse_time(r[6]), parse_time(r[7]), r[8],
                                    r[9], r[10], r[11], r[12], int(r[13]), parse_time(r[14]), r[15], int(r[16]),
                                    None if r[17] is None else parse_time(r[17]),
                                    None if r[18] is None else int(r[18]), None if r[19] is None else int(r[19]))
    return out


CRASH_READ = Read("crash_rounds", _crash_sql, _parse)


def view_json(c: CrashState, now: datetime) -> dict[str, Any]:
    """The CrashRoundOut JSON of a round: an open one shows the live multiplier, never the crash point."""
    elapsed = max(0.0, (now - c.started_at).total_seconds())
    settled = c.status == "settled"
    return {"round_id": c.round_id, "game": "crash", "status": c.status, "result": c.result, "stake": c.stake,
            "payout": c.payout, "net": c.payout - c.stake if settled else -c.stake, "params": c.params,
            "outcome": c.outcome,
            "fairness": {"seed_pair_id": c.seed_pair_id, "server_seed_hash": c.server_seed_hash,
                         "client_seed": c.client_seed, "nonce": c.nonce, "server_seed": None},
            "created_at": json_time(c.created_at), "settled_at": json_time(c.settled_at) if c.settled_at else None,
            "started_at": json_time(c.started_at), "server_time": json_time(now), "elapsed_seconds": round(elapsed, 6),
            "current_multiplier": None if settled else crash.multiplier_at(elapsed), "growth_rate": crash.GROWTH_RATE}


def _publish(unit: Unit, user_id: int, view: dict[str, Any]) -> Answer:
    """game_update + profile_update; the CrashPlayOut answer."""
    player = unit.player(user_id)
    unit.emit(user_id, "game_update", view | {"balance": player.wallet.balance})
    profile = unit.profile(user_id)
    unit.emit(user_id, "profile_update", profile)
    return Answer(200, view | {"balance": player.wallet.balance, "xp": profile["xp"], "level": profile["level"]})


@dataclass(kw_only=True)
class CrashBetPlan(Plan):
    """Start a crash round: the stake goes in, the crash point is fixed now and kept secret."""

    stake: int
    target_x100: int | None
    daily_limits: dict[str, int] | None = None

    metrics: ClassVar[tuple[str, ...]] = ("games_played", "crash_rounds", "gold_wagered")
    writes: ClassVar[tuple[Write, ...]] = (OPEN_ROUNDS, CRASH_NEW)

    def new_ids(self) -> dict[str, int]:
        return {"game_rounds": 1}

    def extra_reads(self) -> tuple[Read, ...]:
        return bet_reads(self.daily_limits)

    def apply(self, unit: Unit) -> Answer:
        player, nonce, floats = take_bet(unit, self.user_id, self.stake, self.daily_limits, crash.floats_needed())
        point = crash.play(floats, self.target_x100).crash_point_x100
        ends = due_at(unit.now, point, self.target_x100, crash.exact_point(floats[0]))
        words = (float_word(floats[0]), float_word(floats[-1]))
        round_id = unit.new_id("game_rounds")
        now = unit.now
        params = {"bet": self.stake, "auto_cashout_x100": self.target_x100}
        outcome = {"auto_cashout_x100": self.target_x100, "started_at": now.isoformat()}
        unit.debit(self.user_id, self.stake, System.HOUSE, "crash_bet", f"round:{round_id}")
        unit.add("crash_open", (round_id, self.user_id, self.stake, dumps(params), dumps(outcome), player.seed_pair_id,
                                player.server_seed_hash, player.client_seed, nonce))
        unit.add("crash_new", (round_id, self.user_id, player.seed_pair_id, self.stake, point, self.target_x100,
                               ends, *words))
        unit.gain_xp(self.user_id, wager_xp(self.stake), "game")
        unit.progress(self.user_id, {"games_played": 1, "crash_rounds": 1, "gold_wagered": self.stake})
        state = CrashState(round_id, self.user_id, player.seed_pair_id, self.stake, point, self.target_x100, now,
                           ends, "open", params, outcome, player.server_seed_hash, player.client_seed, nonce, now,
                           "open", 0, None, *words)
        unit.after_commit.append(lambda: _count_wager(self.stake))
        return _publish(unit, self.user_id, view_json(state, now))


def _count_wager(stake: int) -> None:
    GAME_WAGER.labels("crash").inc(stake)


@dataclass(kw_only=True)
class CrashEndPlan(Plan):
    """End an open round: `cashout` by its player now, or `due` (settler job, late read) at its due time."""

    round_id: int
    mode: str  # cashout | due
    request_id: str | None = None

    metrics: ClassVar[tuple[str, ...]] = ("wins",)
    reads: ClassVar[tuple[Read, ...]] = (CRASH_READ,)
    writes: ClassVar[tuple[Write, ...]] = (ENDED_ROUNDS, CRASH_ENDED)

    def ref_ids(self) -> tuple[int, ...]:
        return (self.round_id,)

    def apply(self, unit: Unit) -> Answer:
        rounds: dict[int, CrashState] = unit.extra["crash_rounds"]
        c = rounds.get(self.round_id)
        if c is None or c.user_id != self.user_id:
            raise RoundNotFound({"round_id": self.round_id})
        if c.status != "open":
            if c.result == "lose" and self.mode == "cashout":
                raise _crashed(c)
            raise RoundAlreadySettled({"round_id": self.round_id, "payout": c.payout})
        now = unit.now
        if self.mode == "due" and now < c.due_at:
            raise NotDueYet({"round_id": self.round_id})
        if now >= c.due_at:
            target = c.auto_cashout_x100
            if target is not None and crash.auto_cashout_wins(target, c.crash_x100):
                payout = round_gold(crash.auto_value(c.stake, target), rounding_float(c.round_word))
                return self._end(unit, c, payout, "auto_cashout", target / 100)
            return self._lost(unit, c)
        m = crash.multiplier_at((now - c.started_at).total_seconds())
        if crash.cashout_wins(m, exact_point(c.crash_word, c.crash_x100)):
            return self._end(unit, c, crash.cashout_payout(c.stake, m, rounding_float(c.round_word)), "cashout", m)
        return self._lost(unit, c)

    def _lost(self, unit: Unit, c: CrashState) -> Answer:
        answer = self._end(unit, c, 0, "crashed", None)
        if self.mode == "due":
            return answer
        return error_answer(_crashed(c), self.lang, self.request_id)  # the loss is committed; the 409 is the stored answer

    def _end(self, unit: Unit, c: CrashState, payout: int, ended_by: str, multiplier: float | None) -> Answer:
        auto_won = c.auto_cashout_x100 is not None and crash.auto_cashout_wins(c.auto_cashout_x100, c.crash_x100)
        revealed = crash.outcome_dict(crash.CrashOutcome(c.crash_x100, c.auto_cashout_x100, auto_won))
        c.outcome = revealed | {"started_at": c.started_at.isoformat(), "ended_by": ended_by,
                                "cashout_multiplier": multiplier}
        c.payout = payout
        c.result = "win" if payout > c.stake else ("draw" if payout == c.stake else "lose")
        c.status, c.settled_at = "settled", unit.now
        ref = f"round:{c.round_id}"
        unit.add("crash_ended", (c.round_id, payout, c.result, dumps(c.outcome)))
        unit.add("crash_closed", (c.round_id,))
        if payout > 0:
            unit.credit(c.user_id, payout, System.HOUSE, "crash_payout", ref, f"{ref}:payout")
        mult_x100 = math.floor(multiplier * 100) if multiplier is not None and payout > 0 else 0
        add_round(unit.stats(c.user_id, "crash"), c.stake, payout, c.result, mult_x100)
        unit.record_action(c.user_id, "game", {"game": "crash", "round_id": c.round_id, "stake": c.stake,
                                               "payout": payout, "result": c.result}, ref)
        unit.progress(c.user_id, {"wins": int(c.result == "win")})
        play = InstantPlay("crash", 0, {}, {}, payout, c.result, mult_x100, {})
        unit.after_commit.append(lambda: count_round(play))
        return _publish(unit, c.user_id, view_json(c, unit.now))


NotDueYet = error(409, "ROUND_NOT_DUE", "This round is still running.", "아직 진행 중인 라운드입니다.")


def _crashed(c: CrashState) -> RoundCrashed:
    return RoundCrashed({"round_id": c.round_id, "crash_point": c.crash_x100 / 100})
