"""Reading what runners type: ``mon wed fri 06:30 30``, ``today 18:00``, ``6:30am``.

Parsing never raises on bad input: it returns a typed error the conversation turns
into a friendly sentence from content. The words it understands come from content too
(:class:`Vocabulary`), so nothing here is tied to one language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from bot.core.calendar import zone
from bot.core.numbers import read_number
from bot.features.reminders.rules import MAX_LEAD_MINUTES, Rule, format_hhmm, next_occurrence

ALL_DAYS = frozenset(range(7))
WORKING_DAYS = frozenset(range(5))
WEEKEND_DAYS = frozenset({5, 6})

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?$")
# A lead is a number of up to four digits: a longer one is not a lead at all, a shorter one
# past MAX_LEAD_MINUTES is a lead the runner can fix.
_LONGEST_NUMBER = 9999


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words of one language that reminder input may use (all lower case).

    ``weekdays`` holds seven alias tuples, Monday first. Phrases may be several words
    ("every day"). ``filler`` words are allowed and ignored ("on", "and", "at").
    ``lead_words`` are minutes said in words ("an hour": 60). ``corrections`` are the
    words around a change at the confirmation ("make it", "instead", "actually"), ignored
    there only. After one of the ``clock_words`` ("at") a lone number is an hour, not
    minutes before: "every saturday at 8" is 08:00.
    """

    weekdays: tuple[tuple[str, ...], ...]
    every_day: tuple[str, ...]
    working_days: tuple[str, ...]
    weekend: tuple[str, ...]
    today: tuple[str, ...]
    tomorrow: tuple[str, ...]
    am: tuple[str, ...]
    pm: tuple[str, ...]
    minutes: tuple[str, ...]
    filler: tuple[str, ...]
    lead_words: tuple[tuple[str, int], ...] = ()
    corrections: tuple[str, ...] = ()
    clock_words: tuple[str, ...] = ()
    # Times said in words ("half past six"): any object with the SpokenClock words.
    spoken: SpokenWords | None = None

    def __post_init__(self) -> None:
        if len(self.weekdays) != 7:
            raise ValueError("weekdays needs seven alias lists, Monday first")


class RelativeDay(StrEnum):
    TODAY = "today"
    TOMORROW = "tomorrow"


@dataclass(frozen=True, slots=True)
class ReminderRequest:
    """A well-formed one-line reminder, before the time zone turns it into a rule.

    Exactly one of ``weekdays`` and ``day`` is set. ``lead_minutes`` is ``None`` when
    the runner left it out.
    """

    weekdays: frozenset[int]
    day: RelativeDay | None
    run_time: time
    lead_minutes: int | None


# --- errors: each one a kind of mistake the runner can fix -----------------------------


@dataclass(frozen=True, slots=True)
class BadTime:
    """Looks like a clock time but is not one (``25:99``, ``13pm``)."""

    text: str


@dataclass(frozen=True, slots=True)
class UnknownWords:
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NoDays:
    pass


@dataclass(frozen=True, slots=True)
class NoTime:
    pass


@dataclass(frozen=True, slots=True)
class BadLead:
    """Minutes before the run outside 0..MAX_LEAD_MINUTES."""

    text: str


@dataclass(frozen=True, slots=True)
class TooMany:
    """More than one run time or lead ("06:30 07:00", "30 40")."""

    text: str


@dataclass(frozen=True, slots=True)
class MixedDays:
    """A one-off day and weekly days together ("today mon")."""


@dataclass(frozen=True, slots=True)
class AlreadyPassed:
    """A one-off whose reminder time has already gone by."""


@dataclass(frozen=True, slots=True)
class Correction:
    """What a runner changes at the confirmation; ``None`` parts stay as they were. At
    most one of ``weekdays`` and ``day`` is set."""

    weekdays: frozenset[int] | None
    day: RelativeDay | None
    run_time: time | None
    lead_minutes: int | None


class SpokenWords(Protocol):
    """The words of a time said aloud (see ``parse_spoken_clock``)."""

    @property
    def hedges(self) -> tuple[str, ...]: ...
    @property
    def half_past(self) -> tuple[str, ...]: ...
    @property
    def quarter_past(self) -> tuple[str, ...]: ...
    @property
    def quarter_to(self) -> tuple[str, ...]: ...
    @property
    def midday(self) -> tuple[str, ...]: ...
    @property
    def morning(self) -> tuple[str, ...]: ...
    @property
    def evening(self) -> tuple[str, ...]: ...


ParseError = BadTime | UnknownWords | NoDays | NoTime | BadLead | TooMany | MixedDays
ReminderParse = ReminderRequest | ParseError


# --- clock times ---------------------------------------------------------------------


def parse_clock(
    text: str, vocabulary: Vocabulary, *, bare_hour: bool = True
) -> time | BadTime | None:
    """A typed clock time: ``06:30``, ``6.30``, ``18h30``, ``6:30am``, ``6 pm``, ``7``.

    Returns ``None`` when the text does not look like a time at all (so callers can try
    other readings) and :class:`BadTime` when it looks like one but is impossible.
    With ``bare_hour=False`` a lone number is not a time (it is a lead in one-line form).
    """
    cleaned = text.strip().lower().replace(" ", "")
    meridiem: str | None = None
    for word, kind in _meridiem_suffixes(vocabulary):
        if cleaned.endswith(word) and len(cleaned) > len(word):
            cleaned, meridiem = cleaned[: -len(word)], kind
            break
    match = _CLOCK.match(cleaned)
    if match is None:
        return None
    hour_text, minute_text = match.groups()
    if minute_text is None and meridiem is None and (not bare_hour or len(hour_text) > 2):
        return None
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return BadTime(text.strip())
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return BadTime(text.strip())
    return time(hour, minute)


def parse_spoken_clock(text: str, vocabulary: Vocabulary) -> time | BadTime | None:
    """A run time in everyday words, numbers already in digits: "at 6", "around 7",
    "half past 6", "quarter to 7", "6 in the morning", "7 in the evening", "noon",
    "make it 7am instead". ``None`` when it is not one time said so."""
    spoken = vocabulary.spoken
    if spoken is None:
        return None
    said = " " + " ".join(re.sub(r"[,;!?]", " ", text.lower().replace("'", "")).split()) + " "
    for hedge in sorted(spoken.hedges, key=len, reverse=True):
        said = said.replace(f" {hedge.replace(chr(39), '')} ", " ")
    said = " ".join(said.split())
    if said in spoken.midday:
        return time(12, 0)
    suffix = ""
    for words, meridiem in ((spoken.morning, "am"), (spoken.evening, "pm")):
        for phrase in sorted(words, key=len, reverse=True):
            if said.endswith(f" {phrase}"):
                said, suffix = said.removesuffix(f" {phrase}"), meridiem
                break
    minute = None
    for words, offset in (
        (spoken.half_past, 30),
        (spoken.quarter_past, 15),
        (spoken.quarter_to, -15),
    ):
        for phrase in sorted(words, key=len, reverse=True):
            if said.startswith(f"{phrase} "):
                said, minute = said.removeprefix(f"{phrase} "), offset
                break
        if minute is not None:
            break
    if not said.isdecimal() and minute is not None:
        return None
    if minute is None:
        return parse_clock(said + suffix, vocabulary) if said else None
    hour = int(said) if len(said) <= 2 else 99
    if minute < 0:
        hour, minute = hour - 1, 60 + minute
    if not 0 <= hour <= 23:
        return BadTime(text.strip())
    return parse_clock(f"{hour}:{minute:02d}{suffix}", vocabulary)


def _meridiem_suffixes(vocabulary: Vocabulary) -> list[tuple[str, str]]:
    pairs = [(word, "am") for word in vocabulary.am] + [(word, "pm") for word in vocabulary.pm]
    # Longest first, so "a.m." wins over "m".
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def parse_lead(text: str, vocabulary: Vocabulary) -> int | BadLead | None:
    """Minutes before the run: ``30``, ``30min``, ``45 minutes``; ``None`` if not a number."""
    cleaned = text.strip().lower()
    for word in sorted(vocabulary.minutes, key=len, reverse=True):
        if cleaned.endswith(word) and len(cleaned) > len(word):
            cleaned = cleaned[: -len(word)].strip()
            break
    minutes = read_number(cleaned, 0, _LONGEST_NUMBER, out_of=False)
    if minutes is None:
        return None
    if minutes > MAX_LEAD_MINUTES:
        return BadLead(text.strip())
    return minutes


# --- the one-line form ---------------------------------------------------------------


def parse_reminder(text: str, vocabulary: Vocabulary) -> ReminderParse:
    """Read ``mon wed fri 06:30 30`` / ``today 18:00`` / ``weekdays 6:30am 20``.

    Days, run time and lead may come in any order; the lead is optional.
    """
    scan = _scan(text, vocabulary)
    if isinstance(scan, BadTime | BadLead):
        return scan
    problem = _day_problem(scan)
    if problem is not None:
        return problem
    if len(scan.times) > 1:
        return TooMany(" ".join(format_hhmm(at) for at in scan.times))
    if len(scan.leads) > 1:
        return TooMany(" ".join(str(lead) for lead in scan.leads))
    if not scan.times:
        return NoTime()
    day = next(iter(scan.relative)) if scan.relative else None
    lead = scan.leads[0] if scan.leads else None
    return ReminderRequest(frozenset(scan.days), day, scan.times[0], lead)


def parse_days(text: str, vocabulary: Vocabulary) -> frozenset[int] | RelativeDay | ParseError:
    """Just the days: ``mon wed fri``, ``weekdays``, ``tomorrow``."""
    scan = _scan(text, vocabulary)
    if isinstance(scan, BadTime | BadLead):
        return scan
    if scan.times or scan.leads:  # as typed, in order: "make it 7am instead"
        return UnknownWords(tuple(scan.not_days))
    problem = _day_problem(scan)
    if problem is not None:
        return problem
    return next(iter(scan.relative)) if scan.relative else frozenset(scan.days)


@dataclass(slots=True)
class _Scan:
    days: set[int] = field(default_factory=set)
    relative: set[RelativeDay] = field(default_factory=set)
    times: list[time] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    # The words that are no day, as typed and in order (unknown ones, times and leads).
    not_days: list[str] = field(default_factory=list)


def parse_correction(text: str, vocabulary: Vocabulary) -> Correction | ParseError | None:
    """A change typed at the confirmation: "make it 7am instead", "no, mon and thu", "an
    hour before instead", "actually 6:45". As in the one-line form, a lone number is the
    minutes before. ``None`` when the text names no day, time or minutes, or has words
    that are none of them (a question, say, for the passes after the step)."""
    scan = _scan(text, vocabulary, ignore=frozenset(vocabulary.corrections))
    if isinstance(scan, BadTime | BadLead):
        return scan
    if scan.unknown or not (scan.days or scan.relative or scan.times or scan.leads):
        return None
    if len(scan.times) > 1:
        return TooMany(" ".join(format_hhmm(at) for at in scan.times))
    if len(scan.leads) > 1:
        return TooMany(" ".join(str(lead) for lead in scan.leads))
    if (scan.relative and scan.days) or len(scan.relative) > 1:
        return MixedDays()
    return Correction(
        weekdays=frozenset(scan.days) or None,
        day=next(iter(scan.relative)) if scan.relative else None,
        run_time=scan.times[0] if scan.times else None,
        lead_minutes=scan.leads[0] if scan.leads else None,
    )


def _scan(
    text: str, vocabulary: Vocabulary, *, ignore: frozenset[str] = frozenset()
) -> _Scan | BadTime | BadLead:
    """Sort every word into days, times, leads or unknown; stop at an impossible time.
    Words in ``ignore`` are skipped like filler."""
    tokens = _tokens(text, vocabulary)
    scan = _Scan()
    day_words = _day_words(vocabulary)
    lead_words = dict(vocabulary.lead_words)
    index = 0
    previous = ""
    while index < len(tokens):
        token = tokens[index]
        after_clock_word = previous in vocabulary.clock_words
        previous = token
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following in vocabulary.minutes:
            index += 1  # "30 min": the unit belongs to this number
        elif following in vocabulary.am or following in vocabulary.pm:
            token, index = token + following, index + 1  # "6 pm"
        index += 1
        if token in vocabulary.filler or token in vocabulary.minutes or token in ignore:
            continue
        if token in lead_words:
            scan.leads.append(lead_words[token])
            scan.not_days.append(token)
            continue
        found = day_words.get(token) or _day_range(token, vocabulary)
        if isinstance(found, RelativeDay):
            scan.relative.add(found)
            continue
        if found is not None:
            scan.days |= found
            continue
        clock = parse_clock(token, vocabulary, bare_hour=after_clock_word)
        if isinstance(clock, BadTime):
            return clock
        scan.not_days.append(token)
        if clock is not None:
            scan.times.append(clock)
            continue
        lead = parse_lead(token, vocabulary)
        if isinstance(lead, BadLead):
            return lead
        if lead is not None:
            scan.leads.append(lead)
            continue
        scan.unknown.append(token)
    return scan


def _day_problem(scan: _Scan) -> UnknownWords | MixedDays | NoDays | None:
    if scan.unknown:
        return UnknownWords(tuple(scan.unknown))
    if (scan.relative and scan.days) or len(scan.relative) > 1:
        return MixedDays()
    if not scan.days and not scan.relative:
        return NoDays()
    return None


def _tokens(text: str, vocabulary: Vocabulary) -> list[str]:
    """Lower-case words, with known multi-word phrases joined into one token."""
    spaced = re.sub(r"[,;/&+!?]", " ", text.lower())
    words = re.sub(r"\s*-\s*", "-", spaced).split()  # "mon - fri" is the range "mon-fri"
    phrases = sorted(
        (phrase for phrase in _all_words(vocabulary) if " " in phrase),
        key=lambda phrase: -len(phrase.split()),
    )
    joined: list[str] = []
    index = 0
    while index < len(words):
        for phrase in phrases:
            parts = phrase.split()
            if words[index : index + len(parts)] == parts:
                joined.append(phrase)
                index += len(parts)
                break
        else:
            joined.append(words[index])
            index += 1
    return joined


def _all_words(vocabulary: Vocabulary) -> list[str]:
    words = [alias for aliases in vocabulary.weekdays for alias in aliases]
    for group in (
        vocabulary.every_day,
        vocabulary.working_days,
        vocabulary.weekend,
        vocabulary.today,
        vocabulary.tomorrow,
        vocabulary.filler,
        vocabulary.minutes,
        vocabulary.corrections,
        tuple(phrase for phrase, _ in vocabulary.lead_words),
    ):
        words.extend(group)
    return words


def _day_words(vocabulary: Vocabulary) -> Mapping[str, frozenset[int] | RelativeDay]:
    table: dict[str, frozenset[int] | RelativeDay] = {}
    for number, aliases in enumerate(vocabulary.weekdays):
        for alias in aliases:
            table[alias] = frozenset({number})
    for alias in vocabulary.every_day:
        table[alias] = ALL_DAYS
    for alias in vocabulary.working_days:
        table[alias] = WORKING_DAYS
    for alias in vocabulary.weekend:
        table[alias] = WEEKEND_DAYS
    for alias in vocabulary.today:
        table[alias] = RelativeDay.TODAY
    for alias in vocabulary.tomorrow:
        table[alias] = RelativeDay.TOMORROW
    return table


def _day_range(token: str, vocabulary: Vocabulary) -> frozenset[int] | None:
    """``mon-fri`` (wrapping allowed: ``sat-mon``)."""
    if token.count("-") != 1:
        return None
    start_word, end_word = token.split("-")
    start, end = _weekday_number(start_word, vocabulary), _weekday_number(end_word, vocabulary)
    if start is None or end is None:
        return None
    length = (end - start) % 7 + 1
    return frozenset((start + step) % 7 for step in range(length))


def _weekday_number(word: str, vocabulary: Vocabulary) -> int | None:
    for number, aliases in enumerate(vocabulary.weekdays):
        if word in aliases:
            return number
    return None


# --- from request to rule -------------------------------------------------------------


def to_rule(
    request: ReminderRequest,
    *,
    zone_name: str,
    now: datetime,
    default_lead: int,
) -> Rule | AlreadyPassed:
    """The stored rule for a request typed at ``now`` by someone in ``zone_name``.

    "today" and "tomorrow" are the runner's local dates; a one-off whose reminder time
    has already gone by is refused rather than silently moved.
    """
    lead = default_lead if request.lead_minutes is None else request.lead_minutes
    if request.day is None:
        return Rule(request.weekdays, None, request.run_time, lead, zone_name)
    today = now.astimezone(zone(zone_name)).date()
    once_on = today if request.day is RelativeDay.TODAY else today + timedelta(days=1)
    rule = Rule(frozenset(), once_on, request.run_time, lead, zone_name)
    if next_occurrence(rule, now) is None:
        return AlreadyPassed()
    return rule
