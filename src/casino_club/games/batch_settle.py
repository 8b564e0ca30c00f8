"""Settle a batch of slot / RPS rounds in the caller's transaction with set-based statements.

The effects per round are exactly those of the one-round path (service_common.play_instant): nonce
draw, stake debit and payout credit through the ledger, round row, stats, action, XP, mission progress
and the level_up / event_progress / game_update / profile_update events with gap-free seqs. Rounds of
one player apply in queue order against his locked rows; each statement covers the whole batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casino_club.auth.models import XP_PER_LEVEL, level_for
from casino_club.auth.profile import profile_json
from casino_club.config import Settings
from casino_club.engagement.progress import wager_xp
from casino_club.fairness.engine import outcome_floats
from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.batch_store import (
    STAT_FIELDS,
    BatchRows,
    BatchStore,
    LockedPlayer,
    MissionRow,
    Player,
    StoredAnswer,
    Template,
)
from casino_club.games.instant import InstantPlay, floats_needed, progress_metrics, resolve
from casino_club.kit.clock import Clock
from casino_club.kit.errors import DomainError, InsufficientGold
from casino_club.kit.idempotency import stored_outcome
from casino_club.kit.ids import new_uuid
from casino_club.kit.jsonfast import dumps, json_time
from casino_club.missions.progress import PERIODS, period_start
from casino_club.ops.ledger_metrics import count_committed
from casino_club.ops.metrics import GAME_PAYOUT, GAME_ROUNDS, GAME_WAGER


@dataclass
class Played:
    """One round applied in memory, waiting for its row id."""

    index: int
    job: RoundJob
    player: Player
    play: InstantPlay
    nonce: int
    after_debit: int
    balance: int
    xp: int
    xp_before: int
    mission_changes: list[dict[str, Any]]
    round_id: int = 0
    body: dict[str, Any] | None = None


class Batch:
    """The reads, in-memory application and writes of one group commit."""

    def __init__(self, store: BatchStore, settings: Settings, clock: Clock, house_id: int, direct: bool = False):
        self.store, self.settings, self.house_id = store, settings, house_id
        self.direct = direct  # events are stored as published: the caller hands `envelopes` over after commit
        self.envelopes: list[tuple[int, dict[str, Any]]] = []
        self.now = clock.now()
        self.now_json = json_time(self.now)  # every round of the group settles at this instant
        self.today = clock.today()
        self.starts = {period: period_start(period, self.today) for period in PERIODS}
        self.missions: dict[tuple[int, int, Any], MissionRow] = {}
        self.stats: dict[tuple[int, str], dict[str, int]] = {}
        self.templates: list[Template] = []
        self.done: list[Played] = []

    async def settle(self, jobs: list[RoundJob]) -> list[Outcome]:
        """Apply every job it can; the rest come back as answers, domain errors or SLOW."""
        outcomes: list[Outcome | None] = [None] * len(jobs)
        keys = sorted({(j.scope, j.key) for j in jobs if j.key is not None})
        metrics = sorted({m for j in jobs for m in progress_metrics(j.game)})
        user_ids = sorted({j.user_id for j in jobs})
        starts = sorted(set(self.starts.values()))
        first = await self.store.first_reads(sorted({j.session_id for j in jobs}), keys, user_ids, metrics, starts,
                                             self.now, len(jobs))
        self._stored_answers(jobs, outcomes, first.answers)
        players = self._players(first.players)
        capped = self.settings.daily_bet_limits  # a capped player's day total is read on the one-round path
        for i, job in enumerate(jobs):
            player = players.get(job.user_id)
            if outcomes[i] is None and (first.sessions.get(job.session_id) != job.user_id or player is None
                                        or player.banned or job.user_id in first.in_events
                                        or (capped and player.profile["rank"] in capped)):
                outcomes[i] = SLOW  # the one-round path answers these (401/403, first seed pair, events, caps)
        todo = [i for i, o in enumerate(outcomes) if o is None]
        if todo:
            games = {jobs[i].game for i in todo}
            self.templates = [t for t in first.templates if any(t.metric in progress_metrics(g) for g in games)]
            counted = {t.id for t in self.templates}
            self.missions = {k: m for k, m in first.missions.items() if k[0] in counted}
            played = [self._apply(i, jobs[i], players[jobs[i].user_id], outcomes) for i in todo]
            self.done = [p for p in played if p is not None]
            if self.done:
                await self._write(self.done, first.round_ids)
                for p in self.done:
                    outcomes[p.index] = Answer(200, self._response(p))
        return [o if o is not None else SLOW for o in outcomes]

    def committed(self) -> set[int]:
        """Count the committed rounds in the metrics; the players who got outbox events."""
        # Summed first: a labelled metric's lookup costs more than the arithmetic, and this runs per group.
        rounds: Counter[tuple[str, str]] = Counter()
        wagered: Counter[tuple[str, str]] = Counter()
        paid: Counter[str] = Counter()
        for p in self.done:
            play = p.play
            rounds[(play.game, play.result)] += 1
            wagered[(play.game, play.bet_reason)] += play.stake
            paid[play.game] += play.payout
        for (game, result), count in rounds.items():
            GAME_ROUNDS.labels(game, result).inc(count)
        for (game, reason), stake in wagered.items():
            GAME_WAGER.labels(game).inc(stake)
            count_committed(reason, "out", stake)
        for game, payout in paid.items():
            if payout > 0:
                GAME_PAYOUT.labels(game).inc(payout)
                count_committed(f"{game}_payout", "in", payout)
        return {p.job.user_id for p in self.done}

    def _stored_answers(self, jobs: list[RoundJob], outcomes: list[Outcome | None],
                        records: list[StoredAnswer]) -> None:
        """Resolve keyed jobs whose key is already recorded (replay, reuse, in flight) or repeated in the batch."""
        keyed = [i for i, j in enumerate(jobs) if j.key is not None]
        found = {(r.scope, r.key): r for r in records}
        seen: set[tuple[str, str]] = set()
        for i in keyed:
            job = jobs[i]
            ident = (job.scope, job.key or "")
            record = found.get(ident)
            if ident in seen:
                outcomes[i] = SLOW  # the same key twice in one batch: the later one replays after this commit
            elif record is None:
                seen.add(ident)
            else:
                try:
                    done = stored_outcome(record, job.fingerprint or "", self.now) == "done"
                except DomainError as exc:  # another body under this key, or its first attempt still running
                    outcomes[i] = exc
                    continue
                # An abandoned first attempt goes to the one-round path, which takes over its lease.
                outcomes[i] = Answer(record.status_code or 200, record.response, replayed=True) if done else SLOW

    @staticmethod
    def _players(locked: dict[int, LockedPlayer]) -> dict[int, Player]:
        """Each locked player's running state, starting from what he holds."""
        return {uid: Player(uid, row.account_id, row.balance, row.seed_pair_id, row.server_seed, row.server_seed_hash,
                            row.client_seed, row.next_nonce, row.user.xp, row.event_seq, row.banned,
                            profile_json(row.user, row.balance))
                for uid, row in locked.items()}

    def _apply(self, index: int, job: RoundJob, player: Player, outcomes: list[Outcome | None]) -> Played | None:
        if player.balance < job.stake:
            outcomes[index] = InsufficientGold({"required": job.stake})
            return None
        nonce = player.nonce
        player.nonce += 1
        floats = outcome_floats(player.server_seed, player.client_seed, nonce, floats_needed(job.game))
        play = resolve(job.game, job.stake, job.choice, floats)
        after_debit = player.balance - job.stake
        player.balance = after_debit + play.payout
        xp_before = player.xp
        player.xp += wager_xp(job.stake)
        self._add_stats(job.user_id, play)
        changes = self._advance_missions(job.user_id, play)
        return Played(index, job, player, play, nonce, after_debit, player.balance, player.xp, xp_before, changes)

    def _add_stats(self, user_id: int, play: InstantPlay) -> None:
        # This batch's counts and maxima per player and game; the write adds them to the stored row.
        row = self.stats.get((user_id, play.game))
        if row is None:
            row = self.stats[(user_id, play.game)] = dict.fromkeys(STAT_FIELDS, 0)
        profit = play.payout - play.stake
        row["rounds"] += 1
        row["wins"] += play.result == "win"
        row["losses"] += play.result == "lose"
        row["ties"] += play.result == "draw"
        row["wagered"] += play.stake
        row["won"] += play.payout
        row["biggest_win"] = max(row["biggest_win"], profit)
        row["highest_multiplier_x100"] = max(row["highest_multiplier_x100"],
                                             play.multiplier_x100 if play.result == "win" else 0)

    def _advance_missions(self, user_id: int, play: InstantPlay) -> list[dict[str, Any]]:
        changes = []
        for t in self.templates:
            inc = play.progress.get(t.metric, 0)
            if inc <= 0:
                continue
            start = self.starts[t.period]
            row = self.missions.setdefault((t.id, user_id, start), MissionRow(None, 0, None, None))
            row.value += inc
            row.dirty = True
            completed = row.value >= t.target
            if completed and row.value - inc < t.target and row.completed_at is None:
                row.completed_at = self.now
            if row.claimed_at is not None:  # already paid this period: keep counting quietly
                continue
            changes.append({"kind": "mission", "id": t.id, "code": t.code, "title": t.title, "metric": t.metric,
                            "value": row.value, "target": t.target, "completed": completed,
                            "period_start": start.isoformat()})
        return changes

    async def _write(self, done: list[Played], round_ids: list[int]) -> None:
        for p, round_id in zip(done, round_ids, strict=False):  # ids were reserved for every job of the batch
            p.round_id = round_id
        rows = BatchRows(self.now, self.now + timedelta(seconds=self.settings.idempotency_lock_s))
        for p in done:
            play, ref = p.play, f"round:{p.round_id}"
            rows.rounds.append((p.round_id, p.job.user_id, play.game, play.stake, play.payout, play.result,
                                dumps(play.params), dumps(play.outcome), p.player.seed_pair_id,
                                p.player.server_seed_hash, p.player.client_seed, p.nonce))
            rows.transfers.append((p.player.account_id, self.house_id, play.stake, play.bet_reason, ref, None,
                                   p.after_debit, None))
            if play.payout > 0:
                rows.transfers.append((self.house_id, p.player.account_id, play.payout, f"{play.game}_payout", ref,
                                       f"{ref}:payout", None, p.balance))
            for type_, data in self._events_of(p):
                p.player.seq += 1
                event_id = new_uuid()
                rows.events.append((event_id, p.job.user_id, p.player.seq, type_, dumps(data),
                                    self.now if self.direct else None))
                if self.direct:
                    self.envelopes.append((p.job.user_id, {"id": event_id, "seq": p.player.seq, "type": type_,
                                                           "ts": self.now.isoformat(), "data": data}))
            rows.actions.append((p.job.user_id, ref, dumps({"game": play.game, "round_id": p.round_id,
                                                            "stake": play.stake, "payout": play.payout,
                                                            "result": play.result})))
            if p.job.key is not None:
                rows.answers.append((p.job.scope, p.job.key, p.job.fingerprint, dumps(self._response(p))))
        for player in {p.player.user_id: p.player for p in done}.values():
            rows.accounts.append((player.account_id, player.balance))
            rows.seed_pairs.append((player.seed_pair_id, player.nonce))
            rows.users.append((player.user_id, player.xp, player.seq))
        rows.stats = [(uid, game, *(stat[f] for f in STAT_FIELDS)) for (uid, game), stat in self.stats.items()]
        for (tid, uid, start), m in self.missions.items():
            if m.dirty and m.id is None:
                rows.missions_new.append((tid, uid, start, m.value, m.completed_at))
            elif m.dirty:
                rows.missions_old.append((m.id, m.value, m.completed_at))
        await self.store.write(rows)

    def _events_of(self, p: Played) -> list[tuple[str, dict[str, Any]]]:
        """The round's events (JSON-ready) in the one-round path's order: level_up, progress, game, profile."""
        events: list[tuple[str, dict[str, Any]]] = []
        before, after = level_for(p.xp_before), level_for(p.xp)
        if after > before:
            events.append(("level_up", {"level": after, "previous_level": before, "xp": p.xp, "source": "game"}))
        if p.mission_changes:
            metrics = {k: v for k, v in p.play.progress.items() if v > 0}
            events.append(("event_progress", {"metrics": metrics, "updates": p.mission_changes}))
        body = self._response(p)
        events.append(("game_update", {k: v for k, v in body.items() if k not in ("xp", "level")}))
        events.append(("profile_update", p.player.profile | {
            "gold": p.balance, "xp": p.xp, "level": after, "xp_to_next": XP_PER_LEVEL - p.xp % XP_PER_LEVEL}))
        return events

    def _response(self, p: Played) -> dict[str, Any]:
        """The round's PlayOut as JSON, built directly: the model's validation and dump were ~2 % of a spin."""
        if p.body is None:
            play, player, now = p.play, p.player, self.now_json
            p.body = {"round_id": p.round_id, "game": play.game, "status": "settled", "result": play.result,
                      "stake": play.stake, "payout": play.payout, "net": play.payout - play.stake,
                      "params": play.params, "outcome": play.outcome,
                      "fairness": {"seed_pair_id": player.seed_pair_id, "server_seed_hash": player.server_seed_hash,
                                   "client_seed": player.client_seed, "nonce": p.nonce, "server_seed": None},
                      "created_at": now, "settled_at": now, "balance": p.balance, "xp": p.xp,
                      "level": level_for(p.xp)}
        return p.body
