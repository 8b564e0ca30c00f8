"""Identifiers: receipt codes and opaque tokens."""

from __future__ import annotations

import secrets
import uuid


def new_uuid() -> str:
    """A random UUID4 string."""
    return str(uuid.uuid4())


def receipt_code(prefix: str) -> str:
    """Human-readable unique receipt code such as `GR-7F3K9Q2M8D1X`."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(12))


# Largest id a BIGINT column holds; larger path/query ids are rejected as 422 before they reach the driver
# (SQLite would raise OverflowError, PostgreSQL a range error).
MAX_DB_ID = 2**63 - 1
