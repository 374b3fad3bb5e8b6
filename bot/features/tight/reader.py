"""Reads a plain-words report ("left glute knotted, outer thigh tight") into a Reading.

Pure and fast: a token scan against the content vocabulary, rapidfuzz and difflib for typos,
a few rules for sides, negations ("not my knee") and corrections ("left and right knee, no,
just left").
When it cannot be sure it says so (``Reading.unsure``) so the coach asks instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TypeVar

from bot.features.tight.content import Kind, Side, TightContent
from bot.features.tight.lexicon import (
    FUZZY_SURE,
    Lexicon,
    Phrase,
    Place,
    PlaceKind,
    build_lexicon,
)
from bot.features.tight.reading import AreaReading, Correction, Effort, Reading, Triage
from bot.features.tight.text import BREAKS, SOFT_BREAK, STRONG_BREAK, normalise, tokenize
from bot.features.tight.triage import TriageChecker

_V = TypeVar("_V")
_SCORE = re.compile(r"^(\d+(?:\.\d+)?)/10$")
# Before these a number word names a thing, not a strength: "this one", "the left one".
_NOT_A_SCORE = frozenset({"this", "that", "the", "which", "left", "right", "other", "each", "any"})
_CONJUNCTIONS = frozenset({"and", "or", "nor", "plus"})
_SIDE_JOINERS = frozenset({"and", "or", SOFT_BREAK})
_LEFT_RIGHT: frozenset[Side] = frozenset({"left", "right"})
INTENSITY_REACH = 3
"""An intensity word counts when this close to an area or a tightness/pain word."""
_DAY_WORDS = frozenset({"day", "days"})
_DAYS_WHEN = frozenset({"ago", "after", "since", "back", "before"})
_UNITS = frozenset({"day", "days", "week", "weeks", "mile", "miles", "km", "k", "min", "mins"})
_LEADS = (
    "no",
    "nope",
    "nah",
    "wrong",
    "not quite",
    "yes",
    "yeah",
    "yep",
    "ok",
    "okay",
    "well",
    "hmm",
    "oh",
    "its",
    "it s",
    "it is",
    "thats",
    "that s",
)
"""Words that may open a correction without saying anything themselves."""


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    place: Place
    confidence: float
    negated: bool = False
    absorbed: bool = False
    sides: set[Side] = field(default_factory=set)


@dataclass(slots=True)
class _SideRun:
    start: int
    end: int
    sides: set[Side]


@dataclass(slots=True)
class _Partial:
    """What one stretch of text between corrections says."""

    areas: dict[str, set[Side]] = field(default_factory=dict)
    unsure_areas: set[str] = field(default_factory=set)
    candidates: list[str] = field(default_factory=list)
    loose_sides: set[Side] = field(default_factory=set)
    intensity: int | None = None
    kind: Kind | None = None
    everything: bool = False
    elsewhere: list[str] = field(default_factory=list)
    # Only corrections use these: "not the hamstring", "not the left".
    negated_areas: set[str] = field(default_factory=set)
    negated_sides: set[Side] = field(default_factory=set)


def _scan(
    tokens: Sequence[str], table: dict[Phrase, _V], longest: int, skip: set[int] | None = None
) -> list[tuple[int, int, _V]]:
    """Non-overlapping matches, longest first, left to right."""
    found: list[tuple[int, int, _V]] = []
    i = 0
    while i < len(tokens):
        if skip and i in skip:
            i += 1
            continue
        for size in range(min(longest, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + size])
            if phrase in table and not (skip and any(k in skip for k in range(i, i + size))):
                found.append((i, i + size, table[phrase]))
                i += size
                break
        else:
            i += 1
    return found


def _phrase_at(tokens: Sequence[str], i: int, table: set[Phrase]) -> int:
    """Length of the longest phrase from ``table`` starting at ``i`` (0 if none)."""
    for size in (3, 2, 1):
        if i + size <= len(tokens) and tuple(tokens[i : i + size]) in table:
            return size
    return 0


def _phrase_ending(tokens: Sequence[str], j: int, table: set[Phrase]) -> bool:
    return any(
        j - size + 1 >= 0 and tuple(tokens[j - size + 1 : j + 1]) in table for size in (1, 2, 3)
    )


def _merge_sides(sides: Iterable[Side]) -> Side | None:
    found = set(sides)
    if not found:
        return None
    if "both" in found or {"left", "right"} <= found:
        return "both"
    return next(iter(found))


class Reader:
    """Reads reports against one content set; build once, call :meth:`read` often."""

    def __init__(self, content: TightContent) -> None:
        self.content = content
        self.lexicon: Lexicon = build_lexicon(content)
        self.triage = TriageChecker(content.triage)
        lex = self.lexicon
        self._side_words = frozenset(word for phrase in lex.sides for word in phrase)
        self._kind_words = frozenset(word for phrase in lex.kinds for word in phrase)
        self._intensity_words = frozenset(word for phrase in lex.intensity for word in phrase)
        self._intensity_phrases = set(lex.intensity)
        self._kind_negations = lex.negate_before | lex.after_not
        self._leads = {tuple(normalise(w).split()) for w in _LEADS}
        self._strains = dict.fromkeys(lex.strain, True)
        self._correction_words = frozenset(
            word
            for phrase in (
                *lex.corrections,
                *self._leads,
                *lex.negate_before,
                *lex.after_fine,
                *lex.after_not,
            )
            for word in phrase
        ) | (lex.additive | self._side_words | {"other", "opposite", "wrong"})
        # Words that may make a pain score reach the severe-pain threshold ("agony",
        # "nine"): only text with one of them (or a digit) needs the whole reading to triage.
        threshold = content.triage.severe_pain.threshold
        intensity = content.vocabulary.intensity
        strong = {**intensity.words, **intensity.number_words}
        self._score_words = frozenset(
            word
            for phrase, score in strong.items()
            if score >= threshold
            for word in phrase.split()
        )

    # --- entry point -------------------------------------------------------------------

    def read(self, text: str) -> Reading:
        tokens, confidence = self._tokens(text)
        partial: _Partial | None = None
        for start, end, additive in self._segments(tokens):
            part = self._read_segment(tokens[start:end], confidence[start:end])
            partial = part if partial is None else _apply_correction(partial, part, additive)
        partial = partial or _Partial()
        triage = self.triage.assess(tokens, partial.kind, partial.intensity)
        reading = self._finish(partial, triage)
        return replace(reading, strain=self._strain(tokens), effort=self._effort(tokens))

    def _tokens(self, text: str) -> tuple[list[str], list[float]]:
        tokens: list[str] = []
        confidence: list[float] = []
        for token in tokenize(text):
            fixed, ratio = self.lexicon.correct(token)
            tokens.append(fixed)
            confidence.append(ratio)
        return tokens, confidence

    # --- a correction of a report already read ------------------------------------------

    def correct(
        self,
        text: str,
        areas: Sequence[AreaReading],
        kind: Kind | None,
        intensity: int | None,
    ) -> Correction | None:
        """The report ``areas`` (with ``kind`` and ``intensity``) as ``text`` corrects it:
        "no, both sides", "just the left", "actually the right one", "not the hamstring,
        the calf", "the calf too", "more like 6".

        ``None`` when ``text`` is no correction: it says nothing this reader understands,
        or it names places without a correction cue, a negation or "too" (a new report).
        """
        lex = self.lexicon
        tokens, confidence = self._tokens(text)
        flip = _flip(tokens, areas)
        if flip is not None:
            tokens, confidence = [flip], [1.0]
        start, cue = 0, False
        while start < len(tokens):
            if tokens[start] in BREAKS:
                start += 1
                continue
            size = _phrase_at(tokens, start, lex.corrections | self._leads)
            if not size:
                break
            start += size
            cue = True
        # "both legs", "the left side": the leg only says it is a side.
        kept = [
            i
            for i in range(start, len(tokens))
            if not (
                tokens[i] in lex.side_filler and i > start and tokens[i - 1] in self._side_words
            )
        ]
        tokens, confidence = [tokens[i] for i in kept], [confidence[i] for i in kept]
        previous = _Partial(
            areas={a.area: {a.side} if a.side else set() for a in areas},
            kind=kind,
            intensity=intensity,
        )
        result = previous
        said = False
        named = False
        for begin, end, additive in self._segments(tokens):
            words = tokens[begin:end]
            part = self._read_segment(words, confidence[begin:end])
            if part.intensity is None:
                part.intensity = self._loose_intensity(words, part)
            if part.candidates or part.everything or part.elsewhere:
                return None  # somewhere vague or new: read it as a report of its own
            if not _says_something(part):
                continue
            said = True
            additive = additive or any(t in lex.additive for t in words)
            # "not my knee, my calf": a correction only of a report that had the knee.
            negation = bool(part.negated_areas & set(result.areas))
            named = named or (bool(part.areas) and not (cue or negation or additive))
            result = _correct(result, part, additive)
        if not said or named:
            return None
        reading = self._finish(result, Triage())
        return Correction(
            areas=reading.areas,
            kind=result.kind,
            intensity=result.intensity,
            areas_changed=set(reading.area_ids) != {a.area for a in areas},
        )

    def may_correct(self, text: str, reading: Reading) -> bool:
        """Whether ``text`` (read as ``reading``) could be a correction at all: it names no
        place, or it has a correction cue, a negation ("not my knee", "knee is fine"),
        "too" or a side ("both legs" names legs only to say both). A cheap test before
        :meth:`correct`, for every message typed outside a conversation."""
        if not reading.names_a_place:
            return True
        words = set(tokenize(text))
        return bool(words & self._correction_words)

    def _loose_intensity(self, tokens: Sequence[str], part: _Partial) -> int | None:
        """A strength given on its own, as an answer: "6", "more like 7", "mild"."""
        words = self.lexicon.number_words
        numbers = [
            int(t) if t.isdigit() else words[t]
            for i, t in enumerate(tokens)
            if (t.isdigit() or (t in words and not (i and tokens[i - 1] in _NOT_A_SCORE)))
            and (int(t) if t.isdigit() else words[t]) <= 10
            and not (i + 1 < len(tokens) and tokens[i + 1] in _UNITS)
        ]
        if len(numbers) == 1:
            return numbers[0]
        if part.areas or part.loose_sides or part.negated_sides or part.negated_areas:
            return None
        found = [score for _, _, score in _scan(tokens, self.lexicon.intensity, 3)]
        return max(found) if found else None

    # --- strains and hard efforts -------------------------------------------------------

    def _strain(self, tokens: Sequence[str]) -> bool:
        for start, _end, _ in _scan(tokens, self._strains, 3):
            window = tokens[max(0, start - 2) : start]
            if not any(_phrase_ending(window, k, self._kind_negations) for k in range(len(window))):
                return True
        return False

    def _effort(self, tokens: Sequence[str]) -> Effort | None:
        """The hard effort named, if any, and when ("yesterday's long run")."""
        lex = self.lexicon
        if not _scan(tokens, lex.efforts, 3):
            return None
        days: int | None = None
        for _, _, value in _scan(tokens, lex.effort_days, 3):
            days = value
        for i, token in enumerate(tokens[:-2]):
            number = int(token) if token.isdigit() else lex.number_words.get(token)
            if number is not None and tokens[i + 1] in _DAY_WORDS and tokens[i + 2] in _DAYS_WHEN:
                days = number
        weekday = next((lex.weekdays[t] for t in tokens if t in lex.weekdays), None)
        if days is not None:
            return Effort(days_ago=days)
        return Effort(weekday=weekday)

    def red_flags(self, text: str) -> Triage:
        """The triage of ``text``, as ``read`` finds it, at a fraction of the cost: the rest
        of the reading matters to triage only through a pain score (severe pain)."""
        tokens = [self.lexicon.correct(token)[0] for token in tokenize(text)]
        if any(t in self._score_words or any(c.isdigit() for c in t) for t in tokens):
            return self.read(text).triage
        return self.triage.assess(tokens)

    # --- corrections -------------------------------------------------------------------

    def _segments(self, tokens: Sequence[str]) -> list[tuple[int, int, bool]]:
        """Stretches of text split at corrections, each with "adds to what came before"."""
        lex = self.lexicon
        cuts: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            size = _phrase_at(tokens, i, lex.corrections)
            if size == 0 and tokens[i] == "no":
                nxt = i + 1
                followed_by_break = nxt < len(tokens) and tokens[nxt] in BREAKS
                if followed_by_break or _phrase_at(tokens, nxt, lex.after_no):
                    size = 1
            since = cuts[-1][1] if cuts else 0
            said_before = any(t not in BREAKS for t in tokens[since:i])
            if size and said_before:
                cuts.append((i, i + size))
                i += size
            else:
                i += max(size, 1)
        bounds: list[tuple[int, int, bool]] = []
        start = 0
        for cut_start, cut_end in cuts:
            bounds.append((start, cut_start, False))
            start = cut_end
        bounds.append((start, len(tokens), False))
        return [
            (s, e, index > 0 and any(t in lex.additive for t in tokens[s:e]))
            for index, (s, e, _) in enumerate(bounds)
        ]

    # --- one stretch -------------------------------------------------------------------

    def _read_segment(self, tokens: Sequence[str], confidence: Sequence[float]) -> _Partial:
        lex = self.lexicon
        mentions = self._places(tokens, confidence)
        occupied = {k for m in mentions for k in range(m.start, m.end)}
        self._negate(tokens, mentions, occupied)
        live = [m for m in mentions if not m.negated]
        negated_sides: set[Side] = set()
        loose_sides = self._attach_sides(tokens, live, occupied, negated_sides)
        self._absorb(tokens, live)
        areas = [m for m in live if m.place.kind is PlaceKind.AREA]
        self._carry_sides(tokens, areas)

        part = _Partial(negated_sides=negated_sides)
        part.negated_areas = {
            m.place.areas[0] for m in mentions if m.negated and m.place.kind is PlaceKind.AREA
        }
        for mention in areas:
            area = mention.place.areas[0]
            sides = part.areas.setdefault(area, set())
            if area in lex.sided:
                sides.update(mention.sides)
            if mention.confidence < FUZZY_SURE:
                part.unsure_areas.add(area)
        for mention in live:
            if mention.absorbed:
                continue
            if mention.place.kind is PlaceKind.AMBIGUOUS:
                part.candidates.extend(a for a in mention.place.areas if a not in part.candidates)
                part.loose_sides.update(mention.sides)
            elif mention.place.kind is PlaceKind.EVERYTHING:
                part.everything = True
            elif mention.place.kind is PlaceKind.ELSEWHERE:
                part.elsewhere.append(mention.place.name)
        part.loose_sides.update(loose_sides)
        part.kind = self._kind(tokens)
        part.intensity = self._intensity(tokens, mentions)
        return part

    def _places(self, tokens: Sequence[str], confidence: Sequence[float]) -> list[_Mention]:
        lex = self.lexicon
        mentions: list[_Mention] = []
        for start, end, place in _scan(tokens, lex.places, lex.longest):
            if (
                end - start == 1
                and tokens[start] in lex.position_words
                and end < len(tokens)
                and tokens[end] == "of"
            ):
                continue  # "back of my calf" names a place on the calf, not the back
            mentions.append(_Mention(start, end, place, min(confidence[start:end])))
        return self._without_context(tokens, mentions)

    def _without_context(self, tokens: Sequence[str], mentions: list[_Mention]) -> list[_Mention]:
        """Drops "my knee" from "hip flexor pinch when I lift my knee": after a context cue,
        once a spot was named, a place is what the runner was doing."""
        context = self.lexicon.context
        cues = [i for i in range(len(tokens)) if _phrase_at(tokens, i, context)]
        if not cues:
            return mentions
        kept: list[_Mention] = []
        for mention in mentions:
            cue = next(
                (
                    c
                    for c in reversed(cues)
                    if c < mention.start and not any(t in BREAKS for t in tokens[c : mention.start])
                ),
                None,
            )
            named_before = cue is not None and any(
                m.end <= cue and m.place.kind in (PlaceKind.AREA, PlaceKind.AMBIGUOUS)
                for m in mentions
            )
            if not named_before:
                kept.append(mention)
        return kept

    # --- negation ----------------------------------------------------------------------

    def _negate(self, tokens: Sequence[str], mentions: list[_Mention], occupied: set[int]) -> None:
        groups = self._groups(tokens, mentions)
        for group, joined_by_conjunction in groups:
            first, last = group[0], group[-1]
            if self._negated_before(tokens, first.start, occupied):
                for mention in group if joined_by_conjunction else group[:1]:
                    mention.negated = True
            if self._negated_after(tokens, last.end, occupied):
                for mention in group:
                    mention.negated = True

    def _groups(
        self, tokens: Sequence[str], mentions: list[_Mention]
    ) -> list[tuple[list[_Mention], bool]]:
        """Runs of places listed together ("knee and calf"), and whether "and/or" joined them."""
        lex = self.lexicon
        joiners = _CONJUNCTIONS | {SOFT_BREAK} | self._side_words | lex.side_filler
        groups: list[tuple[list[_Mention], bool]] = []
        for mention in mentions:
            if groups:
                previous = groups[-1][0][-1]
                gap = tokens[previous.end : mention.start]
                if all(t in joiners for t in gap):
                    conj = groups[-1][1] or any(t in _CONJUNCTIONS for t in gap)
                    groups[-1] = ([*groups[-1][0], mention], conj)
                    continue
            groups.append(([mention], False))
        return groups

    def _negated_before(self, tokens: Sequence[str], start: int, occupied: set[int]) -> bool:
        lex = self.lexicon
        j = start - 1
        steps = 0
        while j >= 0 and steps <= lex.negation_window:
            token = tokens[j]
            if token in BREAKS or j in occupied:
                return False
            if _phrase_ending(tokens, j, lex.negate_before):
                return True
            if token not in lex.negation_filler and token not in self._side_words:
                return False
            j -= 1
            steps += 1
        return False

    def _negated_after(self, tokens: Sequence[str], end: int, occupied: set[int]) -> bool:
        lex = self.lexicon
        j = end
        steps = 0
        while j < len(tokens) and steps <= lex.negation_window:
            if tokens[j] in BREAKS or j in occupied:
                return False
            if _phrase_at(tokens, j, lex.after_fine):
                return True
            if _phrase_at(tokens, j, self._intensity_phrases):
                return False  # "quads not too bad": a mild report
            size = _phrase_at(tokens, j, lex.after_not)
            if size:
                # "knee's not great" is a complaint, not a negation.
                ahead = [t for t in tokens[j + size : j + size + 3] if t not in BREAKS]
                return not any(_phrase_at(ahead, k, lex.after_fine) for k in range(len(ahead)))
            if tokens[j] not in lex.negation_filler:
                return False
            j += 1
            steps += 1
        return False

    # --- sides -------------------------------------------------------------------------

    def _side_runs(self, tokens: Sequence[str], occupied: set[int]) -> list[_SideRun]:
        lex = self.lexicon
        runs: list[_SideRun] = []
        for start, end, side in _scan(tokens, lex.sides, 3, skip=occupied):
            if runs and all(t in _SIDE_JOINERS for t in tokens[runs[-1].end : start]):
                runs[-1].end = end
                runs[-1].sides.add(side)
            else:
                runs.append(_SideRun(start, end, {side}))
        return runs

    def _attach_sides(
        self,
        tokens: Sequence[str],
        mentions: list[_Mention],
        occupied: set[int],
        negated_loose: set[Side],
    ) -> set[Side]:
        """Gives each side to the area it belongs to; returns the sides that belong to none
        (and adds those that belong to none but are negated, "not the left", to
        ``negated_loose``)."""
        loose: set[Side] = set()
        hangers = self._side_filler_words()
        listed = {id(m): group for group, _ in self._groups(tokens, mentions) for m in group}
        for run in self._side_runs(tokens, occupied):
            negated = self._negated_before(tokens, run.start, occupied)
            after = next((m for m in mentions if m.start >= run.end), None)
            before = next((m for m in reversed(mentions) if m.end <= run.start), None)
            single_letter = all(len(tokens[k]) == 1 for k in range(run.start, run.end))
            target: _Mention | None = None
            if after is not None:
                gap = tokens[run.end : after.start]
                if not gap if single_letter else all(t in hangers for t in gap):
                    target = after
            if target is None and before is not None and not single_letter:
                gap = tokens[before.end : run.start]
                if STRONG_BREAK not in gap:
                    target = before
                    if self._both_means_the_areas(tokens, run, mentions, before):
                        continue
            if (
                target is None
                and after is not None
                and not single_letter
                and STRONG_BREAK not in tokens[run.end : after.start]
            ):
                target = after
            if target is None:
                if not single_letter:
                    (negated_loose if negated else loose).update(run.sides)
                continue
            if target is before and not negated:
                # "glute and IT band, left side": a side after a list is for the whole list.
                group = listed.get(id(target), [target])
                for member in group[: group.index(target)]:
                    if not member.sides:
                        member.sides.update(run.sides)
            if negated:
                remaining = target.sides - run.sides
                if not remaining and run.sides <= _LEFT_RIGHT:
                    remaining = set(_LEFT_RIGHT - run.sides)  # "my knee, not the left one"
                target.sides = remaining
            else:
                target.sides.update(run.sides)
        return loose

    def _both_means_the_areas(
        self, tokens: Sequence[str], run: _SideRun, mentions: list[_Mention], target: _Mention
    ) -> bool:
        """ "glutes and hamstrings both tight": a bare "both" after a list is about the list."""
        if tokens[run.start : run.end] != ["both"]:
            return False
        index = mentions.index(target)
        if index == 0:
            return False
        gap = tokens[mentions[index - 1].end : target.start]
        return bool(gap) and all(t in _CONJUNCTIONS or t == SOFT_BREAK for t in gap)

    def _side_filler_words(self) -> frozenset[str]:
        lex = self.lexicon
        return lex.side_filler | self._kind_words | self._intensity_words

    def _absorb(self, tokens: Sequence[str], mentions: list[_Mention]) -> None:
        """ "left leg hamstring": the leg only says where the hamstring is."""
        filler = self._side_filler_words() | self._side_words | {"in", "on", "my", "the", "of"}
        for index, mention in enumerate(mentions):
            if mention.place.kind is not PlaceKind.AMBIGUOUS:
                continue
            neighbours = []
            if index + 1 < len(mentions):
                neighbours.append(
                    (mentions[index + 1], tokens[mention.end : mentions[index + 1].start])
                )
            if index > 0:
                neighbours.append(
                    (mentions[index - 1], tokens[mentions[index - 1].end : mention.start])
                )
            for other, gap in neighbours:
                if other.place.kind is PlaceKind.AREA and all(t in filler for t in gap):
                    mention.absorbed = True
                    if mention.sides and not other.sides:
                        other.sides = set(mention.sides)
                    break

    def _carry_sides(self, tokens: Sequence[str], areas: list[_Mention]) -> None:
        """ "left glute knotted and the outer thigh tight": the side carries on.

        Only while every side given so far in the sentence is the same one: after
        "left glute, right calf", an area with no side is left for the runner to say.
        """
        lex = self.lexicon
        previous: _Mention | None = None
        seen: set[frozenset[Side]] = set()
        for mention in areas:
            if previous is not None and STRONG_BREAK in tokens[previous.end : mention.start]:
                previous = None
                seen = set()
            if mention.place.areas[0] not in lex.sided:
                continue
            if not mention.sides and previous is not None and len(seen) == 1:
                mention.sides = set(previous.sides)
            if mention.sides:
                previous = mention
                seen.add(frozenset(mention.sides))

    # --- kind and intensity -----------------------------------------------------------

    def _kind(self, tokens: Sequence[str]) -> Kind | None:
        lex = self.lexicon
        found: set[Kind] = set()
        for start, _end, kind in _scan(tokens, lex.kinds, 3):
            window = tokens[max(0, start - 2) : start]
            if any(_phrase_ending(window, k, self._kind_negations) for k in range(len(window))):
                continue  # "no pain, just tight"
            found.add(kind)
        if "pain" in found:
            return "pain"
        return "tightness" if found else None

    def _intensity(self, tokens: Sequence[str], mentions: list[_Mention]) -> int | None:
        lex = self.lexicon
        numbers = [
            score
            for score in (self._score_at(tokens, i) for i in range(len(tokens)))
            if score is not None
        ]
        if numbers:
            return max(numbers)
        anchors = {k for m in mentions for k in range(m.start, m.end)}
        anchors.update(i for i, t in enumerate(tokens) if t in self._kind_words)
        best: int | None = None
        for start, end, score in _scan(tokens, lex.intensity, 3):
            near = range(max(0, start - INTENSITY_REACH), min(len(tokens), end + INTENSITY_REACH))
            if any(k in anchors for k in near) and (best is None or score > best):
                best = score
        return best

    def _score_at(self, tokens: Sequence[str], i: int) -> int | None:
        token = tokens[i]
        match = _SCORE.match(token)
        if match:
            value = float(match.group(1))
            return round(value) if value <= 10 else None
        value_word = self.lexicon.number_words.get(token)
        if token.isdigit() or value_word is not None:
            number = int(token) if token.isdigit() else value_word
            tail = tuple(tokens[i + 1 : i + 4])
            if (
                number is not None
                and number <= 10
                and tail in {("out", "of", "10"), ("out", "of", "ten")}
            ):
                return number
        return None

    # --- the answer --------------------------------------------------------------------

    def _finish(self, part: _Partial, triage: Triage) -> Reading:
        lex = self.lexicon
        areas = tuple(
            AreaReading(area, _merge_sides(sides) if area in lex.sided else None)
            for area, sides in part.areas.items()
        )
        side_hint = _merge_sides(part.loose_sides)
        if side_hint is not None:
            areas = tuple(
                AreaReading(a.area, side_hint) if a.side is None and a.area in lex.sided else a
                for a in areas
            )
        found = [a.area for a in areas]
        too_many = part.everything or len(found) > lex.max_areas
        unsure = (
            not found
            or bool(part.candidates)
            or bool(part.unsure_areas)
            or part.everything
            or too_many
        )
        candidates = [*found, *(c for c in part.candidates if c not in found)]
        if part.everything or (unsure and not candidates):
            candidates = [*found, *(a for a in lex.all_areas if a not in found)]
        return Reading(
            areas=areas,
            intensity=part.intensity,
            kind=part.kind,
            triage=triage,
            unsure=unsure,
            candidates=tuple(candidates) if unsure else (),
            too_many=too_many,
            elsewhere=tuple(dict.fromkeys(part.elsewhere)),
            side_hint=side_hint,
            names_a_place=bool(found or part.candidates or part.everything or part.elsewhere),
        )


def _apply_correction(previous: _Partial, new: _Partial, additive: bool) -> _Partial:
    """What a later "no, just left" or "sorry, I mean hamstrings" does to what came before."""
    result = _Partial(
        intensity=new.intensity if new.intensity is not None else previous.intensity,
        kind=new.kind or previous.kind,
        everything=new.everything or (previous.everything and not new.areas),
    )
    if new.areas or new.candidates:
        if additive:
            result.areas = {a: set(s) for a, s in previous.areas.items()}
            for area, sides in new.areas.items():
                result.areas.setdefault(area, set()).update(sides)
            result.candidates = [*previous.candidates, *new.candidates]
            result.unsure_areas = previous.unsure_areas | new.unsure_areas
        else:
            known_sides = {s for sides in previous.areas.values() for s in sides}
            for area, sides in new.areas.items():
                if not sides:
                    sides = set(previous.areas.get(area, set())) or (
                        set(known_sides) if len(known_sides) == 1 else set()
                    )
                result.areas[area] = set(sides)
            result.candidates = list(new.candidates)
            result.unsure_areas = set(new.unsure_areas)
        result.loose_sides = set(new.loose_sides)
        result.elsewhere = list(new.elsewhere)
        return result
    result.areas = {a: set(s) for a, s in previous.areas.items()}
    result.candidates = list(previous.candidates)
    result.unsure_areas = set(previous.unsure_areas)
    result.elsewhere = [*previous.elsewhere, *new.elsewhere]
    if new.loose_sides:
        if result.areas:
            for sides in result.areas.values():
                sides.clear()
                sides.update(new.loose_sides)
        else:
            result.loose_sides = set(new.loose_sides)
    else:
        result.loose_sides = set(previous.loose_sides)
    return result


_OTHER = frozenset({"other", "opposite", "wrong"})
_ONE_SIDE = frozenset({"side", "one", "leg"})


def _flip(tokens: Sequence[str], areas: Sequence[AreaReading]) -> str | None:
    """ "the other side", "wrong side": the one side not given, when one side was."""
    if not any(a in _OTHER and b in _ONE_SIDE for a, b in pairwise(tokens)):
        return None
    sides = {a.side for a in areas if a.side is not None}
    if len(sides) != 1 or not sides <= _LEFT_RIGHT:
        return None
    return "right" if sides == {"left"} else "left"


def _says_something(part: _Partial) -> bool:
    return bool(
        part.areas
        or part.loose_sides
        or part.negated_areas
        or part.negated_sides
        or part.intensity is not None
        or part.kind is not None
    )


def _correct(previous: _Partial, new: _Partial, additive: bool) -> _Partial:
    """What a correction typed after the report does to it: sides for every area ("both
    sides"), another side ("not the left"), an area swapped ("not the hamstring, the
    calf"), added ("the calf too") or replaced ("I meant the calf")."""
    result = _Partial(
        areas={area: set(sides) for area, sides in previous.areas.items()},
        intensity=new.intensity if new.intensity is not None else previous.intensity,
        kind=new.kind or previous.kind,
    )
    known_sides = {side for sides in previous.areas.values() for side in sides}
    inherited = set(known_sides) if len(known_sides) == 1 else set()
    if new.areas:
        swapped = new.negated_areas & set(previous.areas)
        if additive:
            for area, sides in new.areas.items():
                result.areas.setdefault(area, set()).update(sides)
        elif swapped:
            gone = {side for area in swapped for side in result.areas.pop(area)}
            for area, sides in new.areas.items():
                result.areas[area] = set(sides) or (gone if len(gone) == 1 else set(inherited))
        else:
            result.areas = {
                area: set(sides) or set(previous.areas.get(area, set())) or set(inherited)
                for area, sides in new.areas.items()
            }
        result.loose_sides = set(new.loose_sides)
        return result
    for area in new.negated_areas & set(result.areas):
        del result.areas[area]
    if new.loose_sides:
        for sides in result.areas.values():
            sides.clear()
            sides.update(new.loose_sides)
    elif new.negated_sides:
        for sides in result.areas.values():
            remaining = sides - new.negated_sides - ({"both"} if sides else set())
            if not remaining and new.negated_sides <= _LEFT_RIGHT:
                remaining = set(_LEFT_RIGHT - new.negated_sides)
            sides.clear()
            sides.update(remaining)
    return result


_readers: dict[int, Reader] = {}


def reader_for(content: TightContent) -> Reader:
    """The reader for this content, built on first use (content lives for the process)."""
    reader = _readers.get(id(content))
    if reader is None or reader.content is not content:
        reader = _readers[id(content)] = Reader(content)
    return reader
