"""Zones and local days for a runner: the one lookup of an IANA zone name (strict for
reminders, lenient for counting days), a local wall-clock time as an instant (the one
DST policy, for reminders, check-ins and club runs alike), where today, this week and
this month begin, and the streak of days with a warm-up.

Pure: takes instants and a zone, returns dates and instants. Days are the runner's local
days, so a warm-up at 23:30 counts for that evening.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --- zone lookup: the one place a stored or typed IANA name becomes a zone --------------


class UnknownZone(ValueError):
    """The name is not an IANA time zone known to this system."""


@lru_cache(maxsize=1024)
def _lookup(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    # Not only ZoneInfoNotFoundError: "" and "../etc/passwd" raise ValueError, a region
    # such as "Europe" is a folder (IsADirectoryError), a lone surrogate cannot be encoded.
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, UnicodeError):
        return None


def zone(name: str) -> ZoneInfo:
    """The zone for an exact IANA name; raises :class:`UnknownZone` for anything else.

    Strict, for reminders: a guessed zone would fire them at the wrong hour.
    """
    found = _lookup(name)
    if found is None:
        raise UnknownZone(name)
    return found


def zone_or_utc(name: str | None) -> tzinfo:
    """The runner's zone, or UTC when unset or unknown.

    Lenient, for counting days (/progress): a day boundary a few hours off beats no answer.
    """
    found = _lookup(name) if name else None
    return UTC if found is None else found


def known_zone(name: str | None) -> str | None:
    """The stored zone name if this system still knows it (tzdata drops and renames)."""
    return name if name and _lookup(name) is not None else None


# --- wall-clock times ----------------------------------------------------------------


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time.

    A time the clocks skip (02:30 when 02:00 becomes 03:00) is the moment they jump; a time
    they show twice (01:30 when 02:00 becomes 01:00) is the first of the two. So a planned
    time always gives exactly one instant, on its own day, never before the plan.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        # Both readings exist: the wall clock shows this time twice; take the first.
        return min(first, second)
    return _end_of_gap(naive, tz, min(first, second), max(first, second))


def _end_of_gap(naive: datetime, tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """First instant whose wall-clock reading is at or past ``naive``.

    Between the two readings of a missing time there is exactly one transition; the
    wall clock is behind ``naive`` before it and past it after, so bisect to the second.
    """
    low = math.floor(before.timestamp())
    high = math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


# --- local days -----------------------------------------------------------------------


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """Local midnight of ``day``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Periods:
    """Where this week (from Monday) and this month begin, for the runner, in UTC."""

    today: date
    week_start: datetime
    month_start: datetime


def periods(now: datetime, tz: tzinfo) -> Periods:
    today = local_day(now, tz)
    monday = today - timedelta(days=today.weekday())
    return Periods(
        today=today,
        week_start=start_of_day(monday, tz),
        month_start=start_of_day(today.replace(day=1), tz),
    )


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with a warm-up, ending today (or yesterday, if today is still open)."""
    done = set(days)
    day = today if today in done else today - timedelta(days=1)
    count = 0
    while day in done:
        count += 1
        day -= timedelta(days=1)
    return count
