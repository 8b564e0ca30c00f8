"""Login names: one canonical form for site_ids and nicknames, so look-alikes are the same name."""

from __future__ import annotations

import unicodedata

# Characters that render as nothing or steer text direction: a name holding one could pass for another.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Blank letters outside those categories (Hangul fillers, Braille blank, combining grapheme joiner, Khmer vowels).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u17b5"}


def canonical(name: str) -> str:
    """The comparison key of a name: trimmed, NFKC-normalised (fullwidth Ａ → A) and case-folded."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def clean_display(value: str) -> str:
    """A display name as stored: trimmed and NFC; refuses invisible, control and blank characters but the space."""
    value = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _BLANK_LETTERS or (ch.isspace() and ch != " ")
           for ch in value):
        raise ValueError("must not contain invisible or control characters")
    return value
