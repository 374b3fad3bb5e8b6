"""The vocabulary compiled for matching: phrase tables and a typo corrector."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA

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
    strain: set[Phrase]
    efforts: dict[Phrase, bool]
    effort_days: dict[Phrase, int]
    weekdays: dict[str, int]
    negate_before: set[Phrase]
    after_fine: set[Phrase]
    after_not: set[Phrase]
    negation_filler: frozenset[str]
    negation_window: int
    side_filler: frozenset[str]
    corrections: set[Phrase]
    after_no: set[Phrase]
    additive: frozenset[str]
    context: set[Phrase]
    position_words: frozenset[str]
    sided: frozenset[str]
    max_areas: int
    all_areas: tuple[str, ...]
    longest: int
    known: frozenset[str]
    fuzzy_targets: dict[str, tuple[str, ...]]
    """The words a typo may be corrected to, by first letter (a typo keeps its first)."""
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


def _closest(token: str, targets: Mapping[str, tuple[str, ...]]) -> tuple[str, float] | None:
    """The best vocabulary word within one typo (two for long words) of ``token``.

    An edit-distance limit and a same-first-letter rule keep ordinary words ("train",
    "numbers", "rain") from turning into body or red-flag words; difflib's ratio ranks
    what is left and is the confidence the reader compares with ``FUZZY_SURE``.
    """
    allowed = 1 if len(token) < LONG_WORD else 2
    # rapidfuzz's OSA (optimal string alignment) is the distance this module used to
    # compute by hand: a swap of neighbours is one edit. Levenshtein would count a swap
    # as two ("hmastring" is no longer one typo), and rapidfuzz's DamerauLevenshtein is
    # the unrestricted kind, which also edits inside a swapped pair and so lets through
    # words OSA refuses. Filtering on it first leaves difflib a handful of words instead
    # of the whole vocabulary.
    near = process.extract(
        token, targets.get(token[0], ()), scorer=OSA.distance, score_cutoff=allowed, limit=None
    )
    # The ratios stay difflib's, as before, because FUZZY_CUTOFF and FUZZY_SURE were
    # tuned on them: rapidfuzz's fuzz.ratio (an LCS ratio, never below difflib's) would
    # change the reading of a garbled long word now and then (116 of 270,744 generated
    # typos of the vocabulary, mostly an unsure area read as sure). difflib's ratio is
    # not symmetric: the cutoff took the target first, as get_close_matches does, and
    # the confidence the typed word first; ties go the way get_close_matches ordered them.
    scored: list[tuple[float, float, str]] = []
    for target, _, _ in near:
        cutoff_ratio = difflib.SequenceMatcher(a=target, b=token).ratio()
        if cutoff_ratio >= FUZZY_CUTOFF:
            confidence = difflib.SequenceMatcher(a=token, b=target).ratio()
            scored.append((confidence, cutoff_ratio, target))
    if not scored:
        return None
    confidence, _, target = max(scored)
    return target, confidence


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
    kinds.update({_phrase(w): "pain" for w in (*vocab.kinds.pain, *vocab.kinds.strain)})
    efforts = vocab.efforts
    weekdays: dict[str, int] = {}
    for index, day in enumerate(efforts.weekdays):
        name = normalise(day)
        weekdays[name] = weekdays[f"{name}s"] = index  # "sundays" once "sunday's" is read
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
            *vocab.context_cues,
            *efforts.words,
            *efforts.days_ago,
            *weekdays,
        )
        for word in normalise(text).split()
    }
    return Lexicon(
        places=places,
        sides=sides,
        intensity=intensity,
        number_words=dict(vocab.intensity.number_words),
        kinds=kinds,
        strain={_phrase(w) for w in vocab.kinds.strain},
        efforts={_phrase(w): True for w in efforts.words},
        effort_days={_phrase(w): days for w, days in efforts.days_ago.items()},
        weekdays=weekdays,
        negate_before={_phrase(w) for w in neg.before},
        after_fine={_phrase(w) for w in neg.after_fine},
        after_not={_phrase(w) for w in neg.after_not},
        negation_filler=frozenset(normalise(" ".join(neg.filler)).split()),
        negation_window=neg.window,
        side_filler=frozenset(normalise(" ".join(vocab.side_filler)).split()),
        corrections={_phrase(w) for w in corrections.cues},
        after_no={_phrase(w) for w in corrections.after_no},
        additive=frozenset(normalise(" ".join(corrections.additive)).split()),
        context={_phrase(w) for w in vocab.context_cues},
        position_words=frozenset(vocab.position_words),
        sided=frozenset(area.id for area in vocab.areas if area.sided),
        max_areas=vocab.max_areas,
        all_areas=tuple(area.id for area in vocab.areas),
        longest=max(len(phrase) for phrase in phrases),
        known=frozenset(target_words | plain_words),
        fuzzy_targets=_by_first_letter(w for w in target_words if len(w) >= MIN_FUZZY_LENGTH - 1),
    )


def _by_first_letter(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for word in sorted(words):
        grouped.setdefault(word[0], []).append(word)
    return {letter: tuple(group) for letter, group in grouped.items()}
