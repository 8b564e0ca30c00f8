"""Keyset (cursor) pagination: constant time per page at any table size."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import InvalidCursor

T = TypeVar("T")

# Query parameters of every cursor-paged list.
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=200)]


class Page(BaseModel, Generic[T]):
    """One page of items and the cursor for the next page (null at the end)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    """Opaque cursor for 'rows older than this id'."""
    return base64.urlsafe_b64encode(json.dumps({"i": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor points before, or None for the first page; bad input is a 422."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["i"]
        if not isinstance(value, int) or value < 0:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc


def next_cursor(rows: Sequence[Any], limit: int, id_attr: str = "id") -> str | None:
    """Cursor after the last row when the page is full (callers fetch limit+1 rows)."""
    if len(rows) <= limit:
        return None
    return encode_cursor(getattr(rows[limit - 1], id_attr))


async def newest_first(session: AsyncSession, query: Select[Any, *tuple[Any, ...]], id_column: Any,
                       cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of `query`'s rows by descending id after `cursor`, and the cursor of the next page."""
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(id_column < before)
    rows = list((await session.execute(query.order_by(id_column.desc()).limit(limit + 1))).all())
    return rows[:limit], next_cursor([row[0] for row in rows], limit)
