"""XP and levels: 1 XP per 10 gold wagered, a level every 500 XP."""

from __future__ import annotations

from typing import Any

XP_PER_LEVEL = 500


def level_for(xp: int) -> int:
    """level = floor(xp / 500) + 1."""
    return xp // XP_PER_LEVEL + 1


def wager_xp(gold_wagered: int) -> int:
    """1 XP per 10 gold wagered."""
    return max(0, gold_wagered) // 10


def xp_to_next(xp: int) -> int:
    """XP still needed for the next level."""
    return XP_PER_LEVEL - xp % XP_PER_LEVEL


def gain_xp(xp: int, gained: int, source: str) -> tuple[int, dict[str, Any] | None]:
    """(new xp, the `level_up` event data when the level changed, else None)."""
    if gained <= 0:
        return xp, None
    after = xp + gained
    before_level, after_level = level_for(xp), level_for(after)
    if after_level <= before_level:
        return after, None
    return after, {"level": after_level, "previous_level": before_level, "xp": after, "source": source}
