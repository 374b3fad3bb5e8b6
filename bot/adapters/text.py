"""Cutting long text to a platform's limits, measured in the platform's own units.

Telegram counts UTF-16 code units (a character outside the Basic Multilingual Plane,
such as most emoji, counts twice); Discord counts characters. Each platform passes its
measure; the rules for where to cut are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

ELLIPSIS = "…"
CharUnits = Callable[[str], int]
"""How many units one character takes on the platform."""


def one_per_char(_: str) -> int:
    return 1


def utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def measure(text: str, units: CharUnits = one_per_char) -> int:
    if units is one_per_char:
        return len(text)
    return sum(units(char) for char in text)


def split_text(text: str, limit: int, units: CharUnits = one_per_char) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` units each.

    Cuts fall on paragraph breaks where possible, then line breaks, then spaces; a single
    unbroken run longer than the limit is cut hard. Parts are stripped; none is blank.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if measure(rest, units) <= limit:
            parts.append(rest)
            break
        head = prefix_within(rest, limit, units)
        cut = _best_cut(head)
        part, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if part:
            parts.append(part)
    return parts


def fit(text: str, limit: int, units: CharUnits = one_per_char) -> str:
    """``text`` shortened with an ellipsis to at most ``limit`` units."""
    if measure(text, units) <= limit:
        return text
    return prefix_within(text, limit - 1, units).rstrip() + ELLIPSIS


def prefix_within(text: str, limit: int, units: CharUnits = one_per_char) -> str:
    """The longest prefix of ``text`` within ``limit`` units."""
    if units is one_per_char:
        return text[:limit]
    used = 0
    for index, char in enumerate(text):
        used += units(char)
        if used > limit:
            return text[:index]
    return text


def _best_cut(head: str) -> int:
    # Only accept a break in the second half, so parts don't come out tiny.
    floor = len(head) // 2
    for separator in ("\n\n", "\n", " "):
        at = head.rfind(separator)
        if at > floor:
            return at + len(separator)
    return len(head)
