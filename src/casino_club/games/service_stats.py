"""Stats (from the incrementally maintained rows) and cursor-paginated round history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.games.errors import InvalidGame
from casino_club.games.models import GameRound, GameStats
from casino_club.games.schemas import HistoryPage, StatLine, StatsOut
from casino_club.games.service_common import GAMES, revealed_seeds, round_out
from casino_club.kit.errors import InvalidCursor
from casino_club.kit.pagination import decode_cursor, next_cursor

MAX_ID = 2**62  # beyond any BIGINT id; larger cursors are forged


def _line(row: GameStats) -> StatLine:
    return StatLine(rounds=row.rounds, wins=row.wins, losses=row.losses, ties=row.ties, wagered=row.wagered,
                    won=row.won, net=row.won - row.wagered, biggest_win=row.biggest_win,
                    highest_multiplier=row.highest_multiplier_x100 / 100)


async def my_stats(session: AsyncSession, user_id: int) -> StatsOut:
    """Totals and per-game breakdown: at most one row per game, never a scan of the history."""
    rows = {r.game: r for r in (await session.execute(select(GameStats).where(GameStats.user_id == user_id))).scalars()}
    games = {g: _line(rows[g]) if g in rows else StatLine() for g in GAMES}
    totals = StatLine(
        rounds=sum(s.rounds for s in games.values()), wins=sum(s.wins for s in games.values()),
        losses=sum(s.losses for s in games.values()), ties=sum(s.ties for s in games.values()),
        wagered=sum(s.wagered for s in games.values()), won=sum(s.won for s in games.values()),
        net=sum(s.net for s in games.values()), biggest_win=max(s.biggest_win for s in games.values()),
        highest_multiplier=max(s.highest_multiplier for s in games.values()))
    return StatsOut(totals=totals, highest_crash_multiplier=games["crash"].highest_multiplier, games=games)


async def history(session: AsyncSession, user_id: int, cursor: str | None, limit: int,
                  game: str | None = None) -> HistoryPage:
    """The player's rounds newest first via the (user_id[, game], id) indexes; revealed seeds included."""
    if game is not None and game not in GAMES:
        raise InvalidGame({"games": list(GAMES)})
    before = decode_cursor(cursor)
    if before is not None and before > MAX_ID:
        raise InvalidCursor()
    q = select(GameRound).where(GameRound.user_id == user_id)
    if game is not None:
        q = q.where(GameRound.game == game)
    if before is not None:
        q = q.where(GameRound.id < before)
    rows = list((await session.execute(q.order_by(GameRound.id.desc()).limit(limit + 1))).scalars())
    page = rows[:limit]
    seeds = await revealed_seeds(session, {r.seed_pair_id for r in page})
    return HistoryPage(items=[round_out(r, seeds.get(r.seed_pair_id)) for r in page],
                       next_cursor=next_cursor(rows, limit))
