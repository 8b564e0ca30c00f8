"""JSON on the hot paths (JSON columns, bus packs, round answers, log lines) through orjson.

orjson is several times faster than the standard library for the same output shape (compact, UTF-8).
It refuses a few things the standard library accepts — integers beyond 64 bits, NaN on input — so both
directions fall back to `json` for those rare values instead of failing a request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi.responses import JSONResponse


def raw(text: str) -> Any:
    """JSON text that a later dumps embeds as it is (no decode and re-encode of data only passed through)."""
    return orjson.Fragment(text)


def dumps_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Compact UTF-8 JSON bytes; `default` turns values JSON has no type for into ones it has."""
    try:
        return orjson.dumps(value, default=default)
    except TypeError:  # orjson.JSONEncodeError: e.g. an int beyond 64 bits
        def fallback(item: Any) -> Any:
            if isinstance(item, orjson.Fragment):
                return json.loads(item.contents)
            if default is None:
                raise TypeError(f"{type(item).__name__} is not JSON serializable")
            return default(item)

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=fallback).encode()


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Compact JSON text (what JSON columns, pub/sub messages and log lines carry)."""
    return dumps_bytes(value, default).decode()


def json_time(value: datetime) -> str:
    """A datetime as pydantic writes it in JSON (ISO 8601, UTC as `Z`), for answers built without a model."""
    text = value.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def loads(raw: str | bytes) -> Any:
    """Parse JSON text or bytes."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # NaN / Infinity the standard library wrote earlier; raises on real garbage


class FastJSONResponse(JSONResponse):
    """A JSONResponse rendered with orjson (same bytes shape as Starlette's compact renderer)."""

    def render(self, content: Any) -> bytes:
        return dumps_bytes(content)
