"""The rule tables a third-party verifier needs, as one JSON-ready dict (embedded in the fairness page)."""

from __future__ import annotations

import json
from typing import Any

from casino_club.games.rules import crash, gacha, rps, slot
from casino_club.games.rules.items import GACHA_POOL, RARITIES


def published_rules() -> dict[str, Any]:
    """Slot strip and paytable, RPS moves, gacha odds/pity/pool and crash constants, straight from the rules."""
    return {
        "version": 2,
        "floats_needed": {"slot": slot.floats_needed(), "rps": rps.floats_needed(), "crash": crash.floats_needed(),
                          "gacha_per_pull": gacha.FLOATS_PER_PULL},
        "slot": {"strip": list(slot.STRIP), "emoji": {s.id: s.emoji for s in slot.SYMBOLS},
                 "triple_x100": dict(slot.TRIPLE_X100), "pair_x100": dict(slot.PAIR_X100),
                 "jackpot": slot.JACKPOT_SYMBOL},
        "rps": {"choices": list(rps.CHOICES), "beats": dict(rps.BEATS), "result_x100": dict(rps.RESULT_X100)},
        "gacha": {"costs": {str(k): v for k, v in gacha.COSTS.items()}, "rarities": list(RARITIES),
                  "weights": [gacha.RARITY_WEIGHTS[r] for r in RARITIES], "pity_at": gacha.PITY_LEGENDARY_AT,
                  "ten_pull_min_rarity": gacha.TEN_PULL_MIN_RARITY,
                  "pool": {r: [item.to_dict() for item in GACHA_POOL[r]] for r in RARITIES}},
        "crash": {"edge_numerator": crash.EDGE_NUMERATOR, "min_x100": crash.MIN_CRASH_X100,
                  "max_x100": crash.MAX_CRASH_X100, "min_auto_x100": crash.MIN_AUTO_CASHOUT_X100,
                  "max_auto_x100": crash.MAX_AUTO_CASHOUT_X100, "growth_rate": crash.GROWTH_RATE},
    }


def published_rules_json() -> str:
    """published_rules() as JSON text (the page template HTML-escapes it)."""
    return json.dumps(published_rules(), ensure_ascii=False, sort_keys=True)
