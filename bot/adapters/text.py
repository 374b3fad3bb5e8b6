"""Cutting long text to a platform's limits, measured in the platform's own units.

Telegram counts UTF-16 code units (a character outside the Basic Multilingual Plane,
such as most emoji, counts twice); Discord counts characters. Each platform passes its
measure; the rules for where to cut are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def bold_spans(text: str, parts: Sequence[str]) -> list[tuple[int, int]]:
    """Where a reply's bold ``parts`` occur in ``text`` (the reply's text or a piece of
    it): sorted, merged (start, end) character offsets, every occurrence."""
    found = []
    for part in parts:
        start = text.find(part) if part else -1
        while start >= 0:
            found.append((start, start + len(part)))
            start = text.find(part, start + len(part))
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans
