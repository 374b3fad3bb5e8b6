"""Plain words about a run, read with the check-in vocabulary: pure and fast."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.understanding import plain_words
from bot.features.checkins.content import FEELINGS, CheckinContent, Feeling, Side


@dataclass(frozen=True, slots=True)
class Reading:
    mentions_run: bool
    feeling: Feeling | None
    area: str | None
    # Which side, when one was named ("left glute"); two different ones are both.
    side: Side | None = None
    # The hips as a whole were named ("right hip"), not one of the areas.
    hips: bool = False


def _has(padded: str, phrase: str) -> bool:
    return f" {plain_words(phrase)} " in padded


def read_checkin(text: str, content: CheckinContent) -> Reading:
    """Whether ``text`` talks about a run, how it felt (the most serious feeling named:
    "hips fine, left glute tight" is tight) and where (the most specific area named)."""
    padded = f" {plain_words(text)} "
    vocabulary = content.vocabulary
    mentions_run = any(_has(padded, phrase) for phrase in vocabulary.run)
    feeling: Feeling | None = None
    for candidate in FEELINGS:  # mildest first: a later match is more serious
        if any(_has(padded, word) for word in vocabulary.feelings.get(candidate, ())):
            feeling = candidate
    # The most specific words win: "outer thigh" over "thigh".
    named = [
        (len(word), -index, area.id)
        for index, area in enumerate(content.areas)
        for word in area.words
        if _has(padded, word)
    ]
    sides = {
        side for side, names in vocabulary.sides.items() if any(_has(padded, n) for n in names)
    }
    side: Side | None = None
    if len(sides) == 1:
        side = next(iter(sides))
    elif sides:
        side = "both"
    hips = any(_has(padded, word) for word in vocabulary.hips)
    return Reading(mentions_run, feeling, max(named)[2] if named else None, side, hips)
