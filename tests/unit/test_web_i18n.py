"""Every UI string key used by the templates and ES modules exists in both the Korean and English dictionaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "casino_club" / "web"
PATTERNS = [
    re.compile(r"""\bt\(\s*["']([a-zA-Z]+\.[a-zA-Z0-9_.]+)["']"""),
    re.compile(r"""data-i18n(?:-aria|-title|-placeholder)?=["']([a-zA-Z]+\.[a-zA-Z0-9_]+)["']"""),
    re.compile(r"""(?:label|i18n): ["']([a-z]+\.[a-zA-Z0-9]+)["']"""),
]
# Keys built at run time from server values (`game.${g}`, `rarity.${r}`, …) must cover these values.
DYNAMIC = {
    "game": ["slot", "rps", "gacha", "crash"],
    "rarity": ["common", "rare", "epic", "legendary"],
    "status": ["pending", "success", "failed", "voided", "refunded"],
    "period": ["daily", "weekly"],
    "metric": ["games_played", "wins", "slot_spins", "rps_plays", "gacha_pulls", "crash_rounds", "gold_wagered",
               "gold_spent", "purchases", "login_days", "streak_claims"],
}


def load(lang: str) -> dict[str, str]:
    return json.loads((WEB / "static" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.js")]:
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            keys.update(pattern.findall(text))
    keys.update(f"{prefix}.{value}" for prefix, values in DYNAMIC.items() for value in values)
    return keys


def test_dictionaries_have_the_same_keys_and_no_blank_strings() -> None:
    ko, en = load("ko"), load("en")
    assert set(ko) == set(en)
    assert not [k for k, v in {**ko, **en}.items() if not v.strip()]


def test_every_used_key_is_translated() -> None:
    ko = load("ko")
    missing = sorted(k for k in used_keys() if k not in ko)
    assert not missing, missing


def test_placeholders_match_between_languages() -> None:
    ko, en = load("ko"), load("en")
    names = re.compile(r"\{(\w+)\}")
    assert {k: sorted(names.findall(v)) for k, v in ko.items()} == {k: sorted(names.findall(v)) for k, v in en.items()}
