"""Per-game stats of a player: counts and sums add up, the two maxima only rise."""

from __future__ import annotations

STAT_FIELDS = ("rounds", "wins", "losses", "ties", "wagered", "won", "biggest_win", "highest_multiplier_x100")
STAT_MAXIMA = ("biggest_win", "highest_multiplier_x100")  # the others are sums


def empty_stats() -> dict[str, int]:
    """A group's contribution to one stats row before any round."""
    return dict.fromkeys(STAT_FIELDS, 0)


def add_round(row: dict[str, int], stake: int, payout: int, result: str, multiplier_x100: int = 0) -> None:
    """Add one settled round (a gacha pull's result "item" is neither a win, a loss nor a tie)."""
    row["rounds"] += 1
    row["wins"] += result == "win"
    row["losses"] += result == "lose"
    row["ties"] += result == "draw"
    row["wagered"] += stake
    row["won"] += payout
    row["biggest_win"] = max(row["biggest_win"], payout - stake)
    row["highest_multiplier_x100"] = max(row["highest_multiplier_x100"], multiplier_x100 if result == "win" else 0)
