"""Local days for a runner: their zone, where today, this week and this month begin, and
the streak of days with a warm-up.

Pure: takes instants and a zone, returns dates and instants. Days are the runner's local
days, so a warm-up at 23:30 counts for that evening.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> tzinfo:
    """The runner's zone, or UTC when unset or unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


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
