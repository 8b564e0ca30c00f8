"""GET /api/games/history in one Core statement: the rounds and their revealed seeds, no ORM objects or models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Text, and_, bindparam, cast, select

from casino_club.db import core_table
from casino_club.fairness.models import SeedPair
from casino_club.games.errors import InvalidGame
from casino_club.games.models import GameRound
from casino_club.games.service_common import GAMES
from casino_club.games.service_stats import MAX_ID
from casino_club.kit.errors import InvalidCursor
from casino_club.kit.jsonfast import json_time, raw
from casino_club.kit.pagination import decode_cursor, next_cursor
from casino_club.kit.runtime import Runtime


def _page_query(by_game: bool, after_cursor: bool) -> Select[Any]:
    r, p = core_table(GameRound), core_table(SeedPair)
    # A rotated pair (active_user_id NULL) has a public server seed; the active one's stays secret.
    # The JSON columns come back as their stored text and go into the page as it is (raw): decoding and
    # re-encoding 20 rounds' params and outcomes was most of a history request's CPU.
    plain = [c for c in r.c if c.name not in ("params", "outcome")]
    q = (select(*plain, cast(r.c.params, Text).label("params"), cast(r.c.outcome, Text).label("outcome"),
                p.c.server_seed.label("revealed_seed"))
         .outerjoin(p, and_(p.c.id == r.c.seed_pair_id, p.c.active_user_id.is_(None)))
         .where(r.c.user_id == bindparam("user_id")))
    if by_game:
        q = q.where(r.c.game == bindparam("game"))
    if after_cursor:
        q = q.where(r.c.id < bindparam("before"))
    return q.order_by(r.c.id.desc()).limit(bindparam("limit"))


# The four shapes, built once (building a statement per request cost more than running it).
PAGES = {(g, c): _page_query(g, c) for g in (False, True) for c in (False, True)}


async def history_page(rt: Runtime, user_id: int, cursor: str | None, limit: int,
                       game: str | None) -> dict[str, Any]:
    """The player's rounds newest first via the (user_id[, game], id) indexes, as the HistoryPage JSON."""
    if game is not None and game not in GAMES:
        raise InvalidGame({"games": list(GAMES)})
    before = decode_cursor(cursor)
    if before is not None and before > MAX_ID:
        raise InvalidCursor()
    params = {"user_id": user_id, "game": game, "before": before, "limit": limit + 1}
    rows = await rt.read(PAGES[game is not None, before is not None], params)
    return {"items": [round_json(row) for row in rows[:limit]], "next_cursor": next_cursor(rows, limit)}


def round_json(row: Any) -> dict[str, Any]:
    """`round_out(row, revealed_seed).model_dump(mode="json")` without the models (~30 µs a row saved).

    tests/api/test_hot_reads.py checks it equals the model's JSON for every game and status.
    """
    settled = row.status == "settled"
    return {"round_id": row.id, "game": row.game, "status": row.status, "result": row.result, "stake": row.stake,
            "payout": row.payout, "net": row.payout - row.stake if settled else -row.stake,
            "params": raw(row.params) if row.params is not None else None,
            "outcome": raw(row.outcome) if row.outcome is not None else None,
            "fairness": {"seed_pair_id": row.seed_pair_id, "server_seed_hash": row.server_seed_hash,
                         "client_seed": row.client_seed, "nonce": row.nonce, "server_seed": row.revealed_seed},
            "created_at": json_time(row.created_at),
            "settled_at": json_time(row.settled_at) if row.settled_at is not None else None}
