"""Reading "/club run sat 08:00 Europe/London 30": days, time, zone, minutes before.

Never raises on bad input: the result names what was wrong, for the flow to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from bot.core.calendar import UnknownZone, zone
from bot.features.clubs.schedule import MAX_LEAD_MINUTES
from bot.features.clubs.texts import ClubVocabulary

_CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
_SEPARATORS = re.compile(r"[\s,;/+&]+")


class Problem(StrEnum):
    USAGE = "usage"
    DAYS = "days"
    TIME = "time"
    ZONE = "zone"
    LEAD = "lead"


@dataclass(frozen=True, slots=True)
class RunRequest:
    weekdays: frozenset[int]
    run_time: time
    zone: str
    lead_minutes: int


@dataclass(frozen=True, slots=True)
class Unreadable:
    problem: Problem
    value: str = ""


def parse_run(text: str, words: ClubVocabulary) -> RunRequest | Unreadable:
    """``sat 08:00 Europe/London 30``: the days may be several (``tue,thu``)."""
    parts = text.split()
    if len(parts) < 4:
        return Unreadable(Problem.USAGE)
    *day_words, clock, zone_name, lead = parts
    days = read_days(" ".join(day_words), words)
    if days is None:
        return Unreadable(Problem.DAYS)
    at = read_clock(clock)
    if at is None:
        return Unreadable(Problem.TIME, clock[:20])
    try:
        zone(zone_name)
    except UnknownZone:
        return Unreadable(Problem.ZONE, zone_name[:40])
    if not lead.isdigit() or int(lead) > MAX_LEAD_MINUTES:
        return Unreadable(Problem.LEAD)
    return RunRequest(days, at, zone_name, int(lead))


def read_days(text: str, words: ClubVocabulary) -> frozenset[int] | None:
    found: set[int] = set()
    for word in _SEPARATORS.split(text.strip().casefold()):
        if not word:
            continue
        day = next((i for i, aliases in enumerate(words.weekdays) if word in aliases), None)
        if day is None:
            return None
        found.add(day)
    return frozenset(found) or None


def read_clock(text: str) -> time | None:
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)
