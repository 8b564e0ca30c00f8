"""The optional daily cap on free gold: what a reward may still pay today."""

from __future__ import annotations

# Reward sources that count as free gold (engagement rewards). Admin grants and distributions, the welcome
# gold and purchased gold packs are not capped.
FREE_SOURCES = frozenset({"streak", "mission", "event", "vip"})


def allow_free_gold(cap: int | None, received_today: int, amount: int) -> int:
    """The part of `amount` a reward pays when the player already received `received_today` free gold today."""
    if amount <= 0:
        return 0
    if cap is None:
        return amount
    return max(0, min(amount, cap - received_today))
