"""GET /api/games/history in one Core statement: the rounds and their revealed seeds, no ORM objects."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, and_, select

from casino_club.db import core_table
from casino_club.fairness.models import SeedPair
from casino_club.games.errors import InvalidGame
from casino_club.games.models import GameRound
from casino_club.games.schemas import HistoryPage
from casino_club.games.service_common import GAMES, round_out
from casino_club.games.service_stats import MAX_ID
from casino_club.kit.errors import InvalidCursor
from casino_club.kit.pagination import decode_cursor, next_cursor
from casino_club.kit.runtime import Runtime


def _page_query(user_id: int, before: int | None, game: str | None, limit: int) -> Select[Any]:
    r, p = core_table(GameRound), core_table(SeedPair)
    # A rotated pair (active_user_id NULL) has a public server seed; the active one's stays secret.
    q = (select(r, p.c.server_seed.label("revealed_seed"))
         .outerjoin(p, and_(p.c.id == r.c.seed_pair_id, p.c.active_user_id.is_(None)))
         .where(r.c.user_id == user_id))
    if game is not None:
        q = q.where(r.c.game == game)
    if before is not None:
        q = q.where(r.c.id < before)
    return q.order_by(r.c.id.desc()).limit(limit + 1)


async def history_page(rt: Runtime, user_id: int, cursor: str | None, limit: int, game: str | None) -> HistoryPage:
    """The player's rounds newest first via the (user_id[, game], id) indexes; revealed seeds included."""
    if game is not None and game not in GAMES:
        raise InvalidGame({"games": list(GAMES)})
    before = decode_cursor(cursor)
    if before is not None and before > MAX_ID:
        raise InvalidCursor()
    rows = (await rt.read(_page_query(user_id, before, game, limit))).all()
    # A row names its columns like the model's attributes, so the one public view of a round applies.
    items = [round_out(cast(GameRound, row), row.revealed_seed) for row in rows[:limit]]
    return HistoryPage(items=items, next_cursor=next_cursor(rows, limit))
