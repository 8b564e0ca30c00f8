"""Settle a batch of slot / RPS rounds in the caller's transaction with set-based statements.

The effects per round are exactly those of the one-round path (service_common.play_instant): nonce
draw, stake debit and payout credit through the ledger, round row, stats, action, XP, mission progress
and the level_up / event_progress / game_update / profile_update events with gap-free seqs. Rounds of
one player apply in queue order against his locked rows; each statement covers the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from casino_club.actions.models import UserAction
from casino_club.auth.models import XP_PER_LEVEL, User, level_for
from casino_club.config import Settings
from casino_club.engagement.progress import wager_xp
from casino_club.fairness.engine import outcome_floats
from casino_club.fairness.models import SeedPair
from casino_club.games import batch_state as state
from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.instant import InstantPlay, floats_needed, progress_metrics, resolve
from casino_club.games.models import GameRound, GameStats
from casino_club.games.schemas import FairnessRef, PlayOut
from casino_club.kit.clock import Clock
from casino_club.kit.errors import InsufficientGold
from casino_club.kit.idempotency_models import IdempotencyRecord
from casino_club.kit.ids import new_uuid
from casino_club.kit.runtime import OUTBOX_PENDING
from casino_club.missions.models import MissionProgress
from casino_club.missions.progress import period_start
from casino_club.ops.ledger_metrics import note_transfer
from casino_club.ops.metrics import GAME_PAYOUT, GAME_ROUNDS, GAME_WAGER
from casino_club.outbox.models import OutboxEvent
from casino_club.wallet.models import Account, Transfer


@dataclass
class Played:
    """One round applied in memory, waiting for its row id."""

    index: int
    job: RoundJob
    player: state.Player
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

    def __init__(self, session: AsyncSession, conn: AsyncConnection, settings: Settings, clock: Clock,
                 house_id: int):
        self.session, self.conn, self.settings, self.house_id = session, conn, settings, house_id
        self.now = clock.now()
        self.today = clock.today()
        self.missions: dict[tuple[int, int, Any], state.MissionRow] = {}
        self.stats: dict[tuple[int, str], dict[str, int]] = {}
        self.templates: list[Any] = []

    async def settle(self, jobs: list[RoundJob]) -> list[Outcome]:
        """Apply every job it can; the rest come back as answers, domain errors or SLOW."""
        outcomes: list[Outcome | None] = [None] * len(jobs)
        live = await state.live_sessions(self.conn, jobs, self.now)
        await state.stored_answers(self.conn, jobs, outcomes, self.now)
        user_ids = sorted({j.user_id for i, j in enumerate(jobs) if outcomes[i] is None})
        games = {j.game for i, j in enumerate(jobs) if outcomes[i] is None}
        players, self.stats = await state.lock_players(self.session, user_ids, games)
        user_ids = sorted(players)
        in_events = await state.event_participants(self.conn, user_ids, self.now)
        for i, job in enumerate(jobs):
            player = players.get(job.user_id)
            if outcomes[i] is None and (live.get(job.session_id) != job.user_id or player is None or player.banned
                                        or job.user_id in in_events):
                outcomes[i] = SLOW  # the one-round path answers these (401/403, first seed pair, events)
        todo = [i for i, o in enumerate(outcomes) if o is None]
        if todo:
            metrics = {m for i in todo for m in progress_metrics(jobs[i].game)}
            self.templates = await state.mission_templates(self.conn, metrics)
            self.missions = await state.mission_rows(self.conn, user_ids, self.templates, self.today)
            played = [self._apply(i, jobs[i], players[jobs[i].user_id], outcomes) for i in todo]
            done = [p for p in played if p is not None]
            if done:
                await self._write(done)
                for p in done:
                    outcomes[p.index] = Answer(200, self._response(p))
        return [o if o is not None else SLOW for o in outcomes]

    def _apply(self, index: int, job: RoundJob, player: state.Player, outcomes: list[Outcome | None]) -> Played | None:
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
        row = self.stats.get((user_id, play.game))
        if row is None:
            row = self.stats[(user_id, play.game)] = dict.fromkeys(state.STAT_FIELDS, 0) | {"_new": 1}
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
        row["_dirty"] = 1

    def _advance_missions(self, user_id: int, play: InstantPlay) -> list[dict[str, Any]]:
        changes = []
        for t in self.templates:
            inc = play.progress.get(t.metric, 0)
            if inc <= 0:
                continue
            start = period_start(t.period, self.today)
            row = self.missions.setdefault((t.id, user_id, start), state.MissionRow(None, 0, None, None))
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

    async def _write(self, done: list[Played]) -> None:
        await self._insert_rounds(done)
        await self.conn.execute(insert(state.table(Transfer)), self._transfers(done))
        for p in done:
            GAME_WAGER.labels(p.play.game).inc(p.play.stake)
            if p.play.payout > 0:
                GAME_PAYOUT.labels(p.play.game).inc(p.play.payout)
            GAME_ROUNDS.labels(p.play.game, p.play.result).inc()
        await self._write_players(list({p.player.user_id: p.player for p in done}.values()), done)
        await self._write_stats()
        await self._write_missions()
        await self.conn.execute(insert(state.table(UserAction)), [dict(
            user_id=p.job.user_id, kind="game", reference=f"round:{p.round_id}", created_at=self.now,
            data={"game": p.play.game, "round_id": p.round_id, "stake": p.play.stake, "payout": p.play.payout,
                  "result": p.play.result}) for p in done])
        keyed = [p for p in done if p.job.key is not None]
        if keyed:
            lease = self.now + timedelta(seconds=self.settings.idempotency_lock_s)
            await self.conn.execute(insert(state.table(IdempotencyRecord)), [dict(
                scope=p.job.scope, key=p.job.key, fingerprint=p.job.fingerprint, state="done", status_code=200,
                response=self._response(p), created_at=self.now, locked_until=lease) for p in keyed])

    async def _insert_rounds(self, done: list[Played]) -> None:
        t = state.table(GameRound)
        rows = [dict(user_id=p.job.user_id, game=p.play.game, stake=p.play.stake, payout=p.play.payout,
                     result=p.play.result, status="settled", params=p.play.params, outcome=p.play.outcome,
                     seed_pair_id=p.player.seed_pair_id, server_seed_hash=p.player.server_seed_hash,
                     client_seed=p.player.client_seed, nonce=p.nonce, created_at=self.now, settled_at=self.now)
                for p in done]
        result = await self.conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), rows)
        for p, round_id in zip(done, result.scalars(), strict=True):
            p.round_id = round_id

    def _transfers(self, done: list[Played]) -> list[dict[str, Any]]:
        house = self.house_id
        rows = []
        sync = self.session.sync_session
        for p in done:
            ref = f"round:{p.round_id}"
            rows.append(dict(debit_account_id=p.player.account_id, credit_account_id=house, amount=p.play.stake,
                             reason=p.play.bet_reason, reference=ref, dedupe_key=None, memo=None,
                             debit_balance_after=p.after_debit, credit_balance_after=None, created_at=self.now))
            note_transfer(sync, p.play.bet_reason, "out", p.play.stake)
            if p.play.payout > 0:
                reason = f"{p.play.game}_payout"
                rows.append(dict(debit_account_id=house, credit_account_id=p.player.account_id, amount=p.play.payout,
                                 reason=reason, reference=ref, dedupe_key=f"{ref}:payout", memo=None,
                                 debit_balance_after=None, credit_balance_after=p.balance, created_at=self.now))
                note_transfer(sync, reason, "in", p.play.payout)
        return rows

    async def _write_players(self, touched: list[state.Player], done: list[Played]) -> None:
        events = []
        for p in done:
            for type_, data in self._events_of(p):
                p.player.seq += 1
                events.append(dict(event_id=new_uuid(), user_id=p.job.user_id, seq=p.player.seq, type=type_,
                                   data=data, created_at=self.now, published_at=None))
        await self.conn.execute(insert(state.table(OutboxEvent)), events)
        self.session.info.setdefault(OUTBOX_PENDING, set()).update(p.user_id for p in touched)
        a, s, u = state.table(Account), state.table(SeedPair), state.table(User)
        await self.conn.execute(update(a).where(a.c.id == bindparam("_id")).values(
            balance=bindparam("_balance"), updated_at=self.now), [
            {"_id": p.account_id, "_balance": p.balance} for p in touched])
        await self.conn.execute(update(s).where(s.c.id == bindparam("_id")).values(next_nonce=bindparam("_nonce")), [
            {"_id": p.seed_pair_id, "_nonce": p.nonce} for p in touched])
        await self.conn.execute(update(u).where(u.c.id == bindparam("_id")).values(
            xp=bindparam("_xp"), event_seq=bindparam("_seq")), [
            {"_id": p.user_id, "_xp": p.xp, "_seq": p.seq} for p in touched])

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
        if p.body is None:
            out = PlayOut(round_id=p.round_id, game=p.play.game, status="settled", result=p.play.result,
                          stake=p.play.stake, payout=p.play.payout, net=p.play.payout - p.play.stake,
                          params=p.play.params, outcome=p.play.outcome,
                          fairness=FairnessRef(seed_pair_id=p.player.seed_pair_id,
                                               server_seed_hash=p.player.server_seed_hash,
                                               client_seed=p.player.client_seed, nonce=p.nonce),
                          created_at=self.now, settled_at=self.now, balance=p.balance, xp=p.xp, level=level_for(p.xp))
            p.body = out.model_dump(mode="json")
        return p.body

    async def _write_stats(self) -> None:
        t = state.table(GameStats)
        rows = [dict(row, user_id=uid, game=game) for (uid, game), row in self.stats.items() if row.get("_dirty")]
        fresh = [{k: v for k, v in r.items() if not k.startswith("_")} | {"updated_at": self.now}
                 for r in rows if r["_new"]]
        old = [{f"_{k}": v for k, v in r.items() if not k.startswith("_")} for r in rows if not r["_new"]]
        if fresh:
            await self.conn.execute(insert(t), fresh)
        if old:
            await self.conn.execute(update(t).where(t.c.user_id == bindparam("_user_id"), t.c.game == bindparam("_game"))
                                    .values(updated_at=self.now, **{f: bindparam(f"_{f}") for f in state.STAT_FIELDS}),
                                    old)

    async def _write_missions(self) -> None:
        t = state.table(MissionProgress)
        fresh = [dict(template_id=tid, user_id=uid, period_start=start, value=r.value, completed_at=r.completed_at,
                      claimed_at=None, updated_at=self.now)
                 for (tid, uid, start), r in self.missions.items() if r.dirty and r.id is None]
        old = [{"_id": r.id, "_value": r.value, "_completed_at": r.completed_at}
               for r in self.missions.values() if r.dirty and r.id is not None]
        if fresh:
            await self.conn.execute(insert(t), fresh)
        if old:
            await self.conn.execute(update(t).where(t.c.id == bindparam("_id")).values(
                value=bindparam("_value"), completed_at=bindparam("_completed_at"), updated_at=self.now), old)


async def settle_batch(session: AsyncSession, jobs: list[RoundJob], settings: Settings, clock: Clock,
                       house_id: int) -> list[Outcome]:
    """Settle `jobs` in the session's transaction; one outcome per job, in order."""
    return await Batch(session, await session.connection(), settings, clock, house_id).settle(jobs)
