"""Reads of a round batch: live sessions, stored idempotent answers, locked player rows, missions, stats.

One statement per kind of row for the whole batch, so the per-round cost of a group commit stays flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from casino_club.auth.models import AuthSession, User
from casino_club.auth.profile import build_profile
from casino_club.db import core_table as table
from casino_club.fairness.models import SeedPair
from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.models import GameStats
from casino_club.kit.errors import DomainError
from casino_club.kit.idempotency import stored_outcome
from casino_club.kit.idempotency_models import IdempotencyRecord
from casino_club.missions.models import Event, EventParticipation, MissionProgress, MissionTemplate
from casino_club.missions.progress import period_start
from casino_club.wallet.models import Account
from casino_club.wallet.service import System, system_code

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
class MissionRow:
    """A mission progress counter (id None until inserted)."""

    id: int | None
    value: int
    completed_at: datetime | None
    claimed_at: datetime | None
    dirty: bool = False


async def live_sessions(conn: AsyncConnection, jobs: list[RoundJob], now: datetime) -> dict[str, int]:
    """Session id -> user id for the jobs' sessions that are neither revoked nor expired."""
    t = table(AuthSession)
    rows = await conn.execute(select(t.c.id, t.c.user_id).where(
        t.c.id.in_({j.session_id for j in jobs}), t.c.revoked_at.is_(None), t.c.expires_at > now))
    return {sid: uid for sid, uid in rows}


async def stored_answers(conn: AsyncConnection, jobs: list[RoundJob], outcomes: list[Outcome | None],
                         now: datetime) -> None:
    """Resolve keyed jobs whose key is already recorded (replay, reuse, in flight) or repeated in the batch."""
    keyed = [i for i, j in enumerate(jobs) if j.key is not None]
    if not keyed:
        return
    t = table(IdempotencyRecord)
    rows = await conn.execute(select(t.c.scope, t.c.key, t.c.fingerprint, t.c.state, t.c.status_code,
                                     t.c.response, t.c.locked_until).where(
        t.c.scope.in_({jobs[i].scope for i in keyed}), t.c.key.in_({jobs[i].key for i in keyed})))
    found = {(r.scope, r.key): r for r in rows}
    seen: set[tuple[str, str | None]] = set()
    for i in keyed:
        job = jobs[i]
        ident = (job.scope, job.key)
        record = found.get(ident)  # type: ignore[call-overload]
        if ident in seen:
            outcomes[i] = SLOW  # the same key twice in one batch: the later one replays after this commit
        elif record is None:
            seen.add(ident)
        else:
            try:
                done = stored_outcome(record, job.fingerprint or "", now) == "done"
            except DomainError as exc:  # another body under this key, or its first attempt still running
                outcomes[i] = exc
                continue
            # An abandoned first attempt goes to the one-round path, which takes over its lease.
            outcomes[i] = Answer(record.status_code or 200, record.response, replayed=True) if done else SLOW


async def lock_players(session: AsyncSession, user_ids: list[int],
                       games: set[str]) -> tuple[dict[int, Player], dict[tuple[int, str], dict[str, int]]]:
    """Lock and read the batch's seed pairs, accounts, stats rows and users, in user id order per table.

    The tables are locked in the order a one-round transaction touches them (seed pair, account, stats,
    user) and with the lock an UPDATE takes (FOR NO KEY UPDATE, which foreign-key checks of concurrent
    inserts do not wait for), so a batch and a one-round write of the same player never wait in a cycle.
    Players without a seed pair yet are left alone: their first round creates it on the one-round path.
    """
    if not user_ids:
        return {}, {}
    sp, acc = table(SeedPair), table(Account)
    pairs = {r.active_user_id: r for r in await session.execute(
        select(sp.c.id, sp.c.active_user_id, sp.c.server_seed, sp.c.server_seed_hash, sp.c.client_seed,
               sp.c.next_nonce).where(sp.c.active_user_id.in_(user_ids)).order_by(sp.c.active_user_id)
        .with_for_update(key_share=True))}
    user_ids = sorted(pairs)
    if not user_ids:
        return {}, {}
    accounts = {r.user_id: r for r in await session.execute(
        select(acc.c.id, acc.c.user_id, acc.c.balance).where(acc.c.user_id.in_(user_ids)).order_by(acc.c.user_id)
        .with_for_update(key_share=True))}
    stats = await stats_rows(await session.connection(), user_ids, games)
    users = (await session.execute(select(User).where(User.id.in_(user_ids)).order_by(User.id)
                                   .with_for_update(key_share=True))).scalars()
    players = {}
    for user in users:
        pair, account = pairs[user.id], accounts.get(user.id)
        if account is None:
            continue
        players[user.id] = Player(user.id, account.id, account.balance, pair.id, pair.server_seed,
                                  pair.server_seed_hash, pair.client_seed, pair.next_nonce, user.xp, user.event_seq,
                                  user.banned, build_profile(user, account.balance).model_dump(mode="json"))
    return players, stats


async def event_participants(conn: AsyncConnection, user_ids: list[int], now: datetime) -> set[int]:
    """Players of the batch with an open, unclaimed event (their rounds take the one-round path)."""
    if not user_ids:
        return set()
    e, p = table(Event), table(EventParticipation)
    active = select(e.c.id).where(e.c.deleted_at.is_(None), e.c.starts_at <= now, e.c.ends_at > now)
    rows = await conn.execute(select(p.c.user_id).where(
        p.c.user_id.in_(user_ids), p.c.claimed_at.is_(None), p.c.event_id.in_(active)).distinct())
    return set(rows.scalars())


async def house_account(conn: AsyncConnection) -> int:
    """Id of the house account (stakes in, payouts out)."""
    a = table(Account)
    return (await conn.execute(select(a.c.id).where(a.c.code == system_code(System.HOUSE)))).scalar_one()


async def mission_templates(conn: AsyncConnection, metrics: set[str]) -> list[Any]:
    """Live mission templates counting any of `metrics`, in id order."""
    t = table(MissionTemplate)
    rows = await conn.execute(select(t.c.id, t.c.code, t.c.title, t.c.metric, t.c.target, t.c.period).where(
        t.c.deleted_at.is_(None), t.c.metric.in_(metrics)).order_by(t.c.id))
    return list(rows)


async def mission_rows(conn: AsyncConnection, user_ids: list[int], templates: list[Any],
                       today: date) -> dict[tuple[int, int, date], MissionRow]:
    """Locked progress rows of this period for the batch's players and templates."""
    if not user_ids or not templates:
        return {}
    t = table(MissionProgress)
    starts = {period_start(tpl.period, today) for tpl in templates}
    rows = await conn.execute(select(t.c.id, t.c.template_id, t.c.user_id, t.c.period_start, t.c.value,
                                     t.c.completed_at, t.c.claimed_at).where(
        t.c.user_id.in_(user_ids), t.c.template_id.in_([tpl.id for tpl in templates]),
        t.c.period_start.in_(starts)).order_by(t.c.user_id, t.c.template_id).with_for_update(key_share=True))
    return {(r.template_id, r.user_id, r.period_start): MissionRow(r.id, r.value, r.completed_at, r.claimed_at)
            for r in rows}


async def stats_rows(conn: AsyncConnection, user_ids: list[int], games: set[str]) -> dict[tuple[int, str], dict[str, int]]:
    """Locked stats rows of the batch's players for the games played."""
    if not user_ids or not games:
        return {}
    t = table(GameStats)
    rows = await conn.execute(select(t.c.user_id, t.c.game, *(t.c[f] for f in STAT_FIELDS)).where(
        t.c.user_id.in_(user_ids), t.c.game.in_(games)).order_by(t.c.user_id, t.c.game)
        .with_for_update(key_share=True))
    return {(r.user_id, r.game): {f: getattr(r, f) for f in STAT_FIELDS} | {"_new": 0} for r in rows}
