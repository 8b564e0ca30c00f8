"""Validators shared by request bodies (used from `field_validator`, so the OpenAPI schema is unchanged)."""

from __future__ import annotations

MAX_TARGET_ID = 2**62


def reason_text(value: str) -> str:
    """Strip a free-text reason and require at least 2 non-blank characters."""
    value = value.strip()
    if len(value) < 2:
        raise ValueError("reason must have at least 2 non-blank characters")
    return value


def unique_user_ids(value: list[int] | None) -> list[int] | None:
    """Positive user ids, de-duplicated and sorted."""
    if value is not None and any(i < 1 or i > MAX_TARGET_ID for i in value):
        raise ValueError("user ids are positive integers")
    return None if value is None else sorted(set(value))
