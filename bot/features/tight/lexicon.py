"""The vocabulary compiled for matching: phrase tables and a typo corrector."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.features.tight.content import Kind, Side, TightContent
from bot.features.tight.text import normalise

FUZZY_CUTOFF = 0.8
"""difflib ratio for a typo to count at all."""

FUZZY_SURE = 0.85
"""Below this, an area found only through a typo is offered, not assumed."""

MIN_FUZZY_LENGTH = 5
LONG_WORD = 8


class PlaceKind(StrEnum):
    AREA = "area"
    AMBIGUOUS = "ambiguous"
    EVERYTHING = "everything"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True, slots=True)
class Place:
    kind: PlaceKind
    areas: tuple[str, ...] = ()
    name: str = ""


Phrase = tuple[str, ...]


@dataclass(slots=True)
class Lexicon:
    places: dict[Phrase, Place]
    sides: dict[Phrase, Side]
    intensity: dict[Phrase, int]
    number_words: dict[str, int]
    kinds: dict[Phrase, Kind]
    negate_before: set[Phrase]
    after_fine: set[Phrase]
    after_not: set[Phrase]
    negation_filler: frozenset[str]
    negation_window: int
    side_filler: frozenset[str]
    corrections: set[Phrase]
    after_no: set[Phrase]
    additive: frozenset[str]
    position_words: frozenset[str]
    sided: frozenset[str]
    max_areas: int
    all_areas: tuple[str, ...]
    longest: int
    known: frozenset[str]
    fuzzy_targets: tuple[str, ...]
    _fixes: dict[str, tuple[str, float] | None] = field(default_factory=dict)

    def correct(self, token: str) -> tuple[str, float]:
        """The token, or the vocabulary word it is a typo of, with difflib's ratio."""
        if token in self.known or len(token) < MIN_FUZZY_LENGTH or not token.isalpha():
            return token, 1.0
        if token not in self._fixes:
            if len(self._fixes) > 20_000:  # bounded memory on a long-running bot
                self._fixes.clear()
            self._fixes[token] = _closest(token, self.fuzzy_targets)
        fix = self._fixes[token]
        return fix if fix is not None else (token, 1.0)


def _closest(token: str, targets: tuple[str, ...]) -> tuple[str, float] | None:
    """The best vocabulary word within one typo (two for long words) of ``token``.

    difflib ranks; an edit-distance check and a same-first-letter rule keep ordinary
    words ("train", "numbers", "rain") from turning into body or red-flag words.
    """
    allowed = 1 if len(token) < LONG_WORD else 2
    best: tuple[str, float] | None = None
    for target in difflib.get_close_matches(token, targets, n=5, cutoff=FUZZY_CUTOFF):
        if target[0] != token[0] or _edit_distance(token, target, allowed) > allowed:
            continue
        ratio = difflib.SequenceMatcher(a=token, b=target).ratio()
        if best is None or ratio > best[1]:
            best = (target, ratio)
    return best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _phrase(text: str) -> Phrase:
    return tuple(normalise(text).split())


_PATTERN_WORDS = re.compile(r"[a-z]{4,}")
_ESCAPES = re.compile(r"\\[a-zA-Z]")  # \b, \w ... are not words


def build_lexicon(content: TightContent) -> Lexicon:
    vocab = content.vocabulary
    places: dict[Phrase, Place] = {}
    for area in vocab.areas:
        for term in (*area.terms, *area.misspellings):
            places[_phrase(term)] = Place(PlaceKind.AREA, (area.id,), area.id)
    for group in vocab.ambiguous:
        for term in group.terms:
            places.setdefault(_phrase(term), Place(PlaceKind.AMBIGUOUS, group.candidates, term))
    for term in vocab.everything:
        places.setdefault(_phrase(term), Place(PlaceKind.EVERYTHING, (), term))
    for term in vocab.elsewhere:
        places.setdefault(_phrase(term), Place(PlaceKind.ELSEWHERE, (), term))

    sides: dict[Phrase, Side] = {}
    for side, words in (("left", vocab.sides.left), ("right", vocab.sides.right)):
        for word in words:
            sides[_phrase(word)] = side  # type: ignore[assignment]
    for word in vocab.sides.both:
        sides[_phrase(word)] = "both"

    kinds: dict[Phrase, Kind] = {_phrase(w): "tightness" for w in vocab.kinds.tightness}
    kinds.update({_phrase(w): "pain" for w in vocab.kinds.pain})
    intensity = {_phrase(w): score for w, score in vocab.intensity.words.items()}
    neg = vocab.negation
    corrections = vocab.corrections

    phrases: list[Phrase] = [
        *places,
        *sides,
        *kinds,
        *intensity,
        *(_phrase(w) for w in (*neg.before, *neg.after_fine, *neg.after_not, *corrections.cues)),
    ]
    target_words = {word for phrase in phrases for word in phrase}
    for rule in content.triage.rules:
        for pattern in (*(p for group in rule.all_of for p in group), *rule.none_of):
            target_words.update(_PATTERN_WORDS.findall(_ESCAPES.sub(" ", pattern)))
    plain_words = {
        word
        for text in (
            *neg.filler,
            *vocab.side_filler,
            *corrections.after_no,
            *corrections.additive,
            *vocab.never_correct,
            *vocab.intensity.number_words,
            *vocab.position_words,
        )
        for word in normalise(text).split()
    }
    return Lexicon(
        places=places,
        sides=sides,
        intensity=intensity,
        number_words=dict(vocab.intensity.number_words),
        kinds=kinds,
        negate_before={_phrase(w) for w in neg.before},
        after_fine={_phrase(w) for w in neg.after_fine},
        after_not={_phrase(w) for w in neg.after_not},
        negation_filler=frozenset(normalise(" ".join(neg.filler)).split()),
        negation_window=neg.window,
        side_filler=frozenset(normalise(" ".join(vocab.side_filler)).split()),
        corrections={_phrase(w) for w in corrections.cues},
        after_no={_phrase(w) for w in corrections.after_no},
        additive=frozenset(normalise(" ".join(corrections.additive)).split()),
        position_words=frozenset(vocab.position_words),
        sided=frozenset(area.id for area in vocab.areas if area.sided),
        max_areas=vocab.max_areas,
        all_areas=tuple(area.id for area in vocab.areas),
        longest=max(len(phrase) for phrase in phrases),
        known=frozenset(target_words | plain_words),
        fuzzy_targets=tuple(sorted(w for w in target_words if len(w) >= MIN_FUZZY_LENGTH - 1)),
    )
