"""Plain words about a run, read with the check-in vocabulary: pure and fast."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.understanding import plain_words
from bot.features.checkins.content import FEELINGS, CheckinContent, Feeling


@dataclass(frozen=True, slots=True)
class Reading:
    mentions_run: bool
    feeling: Feeling | None
    area: str | None


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
    return Reading(mentions_run, feeling, max(named)[2] if named else None)
