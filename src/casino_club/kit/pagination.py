"""Keyset (cursor) pagination: constant time per page at any table size."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from casino_club.kit.errors import InvalidCursor

T = TypeVar("T")


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
