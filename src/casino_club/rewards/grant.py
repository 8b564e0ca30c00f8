"""grant(): the one way engagement plans pay players (ledger gold, XP, items, history, events) in a settlement group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casino_club.kit.jsonfast import dumps
from casino_club.settlement.rules.free_gold import FREE_SOURCES, allow_free_gold
from casino_club.settlement.rules.levels import level_for
from casino_club.settlement.store import NOW, Read, Store, Write
from casino_club.settlement.unit import Unit
from casino_club.wallet.service import System

REWARD_GRANTS = Write("reward_grants", "reward_grants", (
    ("id", "bigint"), ("user_id", "bigint"), ("source", "text"), ("title", "text"), ("title_en", "text"),
    ("reference", "text"),
    ("gold", "bigint"), ("xp", "int"), ("items", "json"), ("dedupe_key", "text")), (("created_at", NOW),))


def _free_today_sql(store: Store) -> str:
    sources = ", ".join(f"'{s}'" for s in sorted(FREE_SOURCES))
    return store.rows_as_json("user_id, total", f"FROM (SELECT user_id, SUM(gold) AS total FROM reward_grants "
                                                f"WHERE user_id {store.among(5, 'bigint')} AND source IN ({sources}) "
                                                f"AND created_at >= {store.param(9)} GROUP BY user_id) f")


# Free gold the group's players already received today (reward rows keep what was paid): for the daily cap.
FREE_TODAY = Read("free_today", _free_today_sql, lambda rows: {int(u): int(g) for u, g in rows})


@dataclass(frozen=True)
class Granted:
    """What a grant paid: its reward row id, the gold paid (after the daily free-gold cap), XP and level after."""

    reward_id: int
    xp: int
    level: int
    gold: int


def grant(unit: Unit, user_id: int, *, gold: int, xp: int, items: list[dict[str, Any]], source: str, title: str,
          dedupe_key: str, free_cap: int | None, reference: str | None = None, profile_event: bool = True,
          title_en: str = "") -> Granted:
    """Pay gold (from PROMOTIONS), XP and items; emits reward_granted (+ profile_update). `title` is Korean.

    Engagement rewards (FREE_SOURCES) pay at most what the daily free-gold cap `free_cap` (the reward schedule's,
    carried by the plan; None = no cap) still allows; a plan that grants them reads FREE_TODAY.

    The reward row's unique dedupe_key and the transfer's make a second grant with the same key fail the group
    instead of paying twice; callers guard with their own claim row. The plan reserves one `reward_grants` id.
    """
    if source in FREE_SOURCES and free_cap is not None:
        paid: dict[int, int] = unit.extra.setdefault("free_paid", {})
        received = unit.extra["free_today"].get(user_id, 0) + paid.get(user_id, 0)
        gold = allow_free_gold(free_cap, received, gold)
        paid[user_id] = paid.get(user_id, 0) + gold
    reward_id = unit.new_id("reward_grants")
    unit.add("reward_grants", (reward_id, user_id, source, title[:120], title_en[:120], reference, gold, xp, dumps(items),
                               dedupe_key))
    if gold > 0:
        unit.credit(user_id, gold, System.PROMOTIONS, f"{source}_reward", reference or f"reward:{reward_id}",
                    dedupe_key, memo=title[:200])
    for item in items:
        unit.add_items(user_id, item["item_id"], int(item["quantity"]))
    if xp:
        unit.gain_xp(user_id, xp, source)
    player = unit.player(user_id)
    unit.record_action(user_id, f"{source}_reward", {"title": title, "gold": gold, "xp": xp, "items": items},
                       reference)
    unit.emit(user_id, "reward_granted", {
        "reward_id": reward_id, "source": source, "title": title, "title_ko": title, "title_en": title_en,
        "gold": gold, "xp": xp, "items": items,
        "reference": reference, "total_xp": player.xp if xp else None, "level": level_for(player.xp) if xp else None})
    if profile_event:
        unit.emit(user_id, "profile_update", unit.profile(user_id))
    return Granted(reward_id, player.xp, level_for(player.xp), gold)
