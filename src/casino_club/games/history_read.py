"""GET /api/games/history in one statement whose answer is the page's JSON: no ORM objects, models or row dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, String, TextClause, bindparam, text

from casino_club.games.errors import InvalidGame
from casino_club.games.service_common import GAMES
from casino_club.games.service_stats import MAX_ID
from casino_club.kit.errors import InvalidCursor
from casino_club.kit.jsonfast import raw
from casino_club.kit.pagination import decode_cursor, encode_cursor
from casino_club.kit.runtime import Runtime


def _utc_text(column: str, dialect: str) -> str:
    """A UTC timestamp column as pydantic writes it in JSON (`…T12:34:56.789012Z`, no fraction when it is 0)."""
    if dialect == "postgresql":
        at = f"({column} AT TIME ZONE 'UTC')"
        return (f"CASE WHEN {column} IS NULL THEN NULL WHEN EXTRACT(MICROSECONDS FROM {column})::bigint % 1000000 = 0 "
                f"""THEN to_char({at}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') """
                f"""ELSE to_char({at}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END""")
    # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' (db.UTCDateTime through SQLAlchemy's storage format).
    return (f"CASE WHEN {column} IS NULL THEN NULL WHEN substr({column}, 21) = '000000' "
            f"THEN substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z' "
            f"ELSE substr({column}, 1, 10) || 'T' || substr({column}, 12) || 'Z' END")


def _page_sql(dialect: str, by_game: bool, after_cursor: bool) -> TextClause:
    """The page as JSON built by the database: [items (at most :page), rows found (:page + 1 at most), last id].

    Building 20 rounds' dicts in Python, parsing their timestamps and encoding them again was most of a history
    request's CPU; the database writes the same JSON in C. The extra row only says whether a next page exists.
    """
    pg = dialect == "postgresql"
    obj, agg = ("json_build_object", "json_agg") if pg else ("json_object", "json_group_array")
    json_col = (lambda c: c) if pg else (lambda c: f"json({c})")
    item = (f"{obj}('round_id', r.id, 'game', r.game, 'status', r.status, 'result', r.result, 'stake', r.stake, "
            f"'payout', r.payout, 'net', CASE WHEN r.status = 'settled' THEN r.payout - r.stake ELSE -r.stake END, "
            f"'params', {json_col('r.params')}, 'outcome', {json_col('r.outcome')}, "
            f"'fairness', {obj}('seed_pair_id', r.seed_pair_id, 'server_seed_hash', r.server_seed_hash, "
            f"'client_seed', r.client_seed, 'nonce', r.nonce, 'server_seed', p.server_seed), "
            f"'created_at', {_utc_text('r.created_at', dialect)}, 'settled_at', {_utc_text('r.settled_at', dialect)})")
    where = "user_id = :user_id" + (" AND game = :game" if by_game else "") + (" AND id < :before" if after_cursor else "")
    # PostgreSQL orders inside the aggregate; SQLite (3.40 has no ORDER BY in aggregates) aggregates the rows in
    # the order of the ordered subquery it scans.
    ordered = " ORDER BY r.id DESC" if pg else ""
    as_text = "::text" if pg else ""  # the JSON as text, passed into the answer as it is
    sql = (f"SELECT ({agg}({item}{ordered}) FILTER (WHERE r.rn <= :page)){as_text}, COUNT(*), "
           f"MIN(r.id) FILTER (WHERE r.rn <= :page) "
           f"FROM (SELECT g.*, row_number() OVER (ORDER BY g.id DESC) AS rn FROM game_rounds g WHERE {where} "
           f"ORDER BY g.id DESC LIMIT :limit) r "
           # A rotated pair (active_user_id NULL) has a public server seed; the active one's stays secret.
           f"LEFT JOIN fairness_seed_pairs p ON p.id = r.seed_pair_id AND p.active_user_id IS NULL")
    binds: list[Any] = [bindparam("user_id", type_=BigInteger()), bindparam("limit", type_=Integer()), bindparam("page", type_=Integer())]
    if by_game:
        binds.append(bindparam("game", type_=String()))
    if after_cursor:
        binds.append(bindparam("before", type_=BigInteger()))
    return text(sql).bindparams(*binds)


# The shapes per dialect, built once (building a statement per request cost more than running it).
PAGES = {(d, g, c): _page_sql(d, g, c) for d in ("postgresql", "sqlite") for g in (False, True) for c in (False, True)}


async def history_page(rt: Runtime, user_id: int, cursor: str | None, limit: int,
                       game: str | None) -> dict[str, Any]:
    """The player's rounds newest first via the (user_id[, game], id) indexes, as the HistoryPage JSON."""
    if game is not None and game not in GAMES:
        raise InvalidGame({"games": list(GAMES)})
    before = decode_cursor(cursor)
    if before is not None and before > MAX_ID:
        raise InvalidCursor()
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1, "page": limit}
    if game is not None:
        params["game"] = game
    if before is not None:
        params["before"] = before
    dialect = "sqlite" if rt.settings.is_sqlite else "postgresql"
    rows = await rt.read(PAGES[dialect, game is not None, before is not None], params)
    row: Any = rows[0]  # one aggregate row: (items JSON, rows found, last id of the page)
    items, found, last_id = row
    return {"items": raw(items) if items is not None else [],
            "next_cursor": encode_cursor(last_id) if found > limit else None}
