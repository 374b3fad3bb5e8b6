"""Splitting what a runner typed into plain words the FAQ matcher compares."""

from __future__ import annotations

import re

MAX_CHARS = 500
"""Longer messages are read up to here: a FAQ question is a line, not an essay."""

_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_MINUS = re.compile(r"(?<![a-z0-9])-(?=\d)")
"""A minus sign, not a hyphen: "its -5 out" is "its minus 5 out", "10-15" stays a range."""
_SCORE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:/|out of)\s*10\b")


def words(text: str) -> list[str]:
    """Lower-case words and numbers: "What's the IT-band?" -> ["whats", "the", "it", "band"], and
    a minus sign read as "minus"."""
    lowered = _APOSTROPHES.sub("", text[:MAX_CHARS].lower())
    lowered = _MINUS.sub(" minus ", lowered)
    return _NOT_WORD.sub(" ", lowered).split()


def has_score(text: str) -> bool:
    """A pain or tightness score ("6/10", "7 out of 10") marks a report about one spot."""
    return _SCORE.search(text[:MAX_CHARS].lower()) is not None
