"""GET /api/games/history in one Core statement: the rounds and their revealed seeds, no ORM objects."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, and_, bindparam, select

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


def _page_query(by_game: bool, after_cursor: bool) -> Select[Any]:
    r, p = core_table(GameRound), core_table(SeedPair)
    # A rotated pair (active_user_id NULL) has a public server seed; the active one's stays secret.
    q = (select(r, p.c.server_seed.label("revealed_seed"))
         .outerjoin(p, and_(p.c.id == r.c.seed_pair_id, p.c.active_user_id.is_(None)))
         .where(r.c.user_id == bindparam("user_id")))
    if by_game:
        q = q.where(r.c.game == bindparam("game"))
    if after_cursor:
        q = q.where(r.c.id < bindparam("before"))
    return q.order_by(r.c.id.desc()).limit(bindparam("limit"))


# The four shapes, built once (building a statement per request cost more than running it).
PAGES = {(g, c): _page_query(g, c) for g in (False, True) for c in (False, True)}


async def history_page(rt: Runtime, user_id: int, cursor: str | None, limit: int, game: str | None) -> HistoryPage:
    """The player's rounds newest first via the (user_id[, game], id) indexes; revealed seeds included."""
    if game is not None and game not in GAMES:
        raise InvalidGame({"games": list(GAMES)})
    before = decode_cursor(cursor)
    if before is not None and before > MAX_ID:
        raise InvalidCursor()
    params = {"user_id": user_id, "game": game, "before": before, "limit": limit + 1}
    rows = (await rt.read(PAGES[game is not None, before is not None], params)).all()
    # A row names its columns like the model's attributes, so the one public view of a round applies.
    items = [round_out(cast(GameRound, row), row.revealed_seed) for row in rows[:limit]]
    return HistoryPage(items=items, next_cursor=next_cursor(rows, limit))
