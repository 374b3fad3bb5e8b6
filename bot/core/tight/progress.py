"""Summing up a runner's history: warm-ups, streak, soreness and recurring areas.

Pure: takes timestamps and report areas, the runner's time zone and "now", returns numbers.
Days are the runner's local days, so a warm-up at 23:30 counts for that evening.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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

    @property
    def earliest(self) -> datetime:
        return min(self.week_start, self.month_start)


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


def area_days(
    reports: Iterable[tuple[datetime, Sequence[str]]], tz: tzinfo
) -> dict[str, set[date]]:
    """For each area, the local days it was reported on."""
    found: dict[str, set[date]] = {}
    for created_at, areas in reports:
        for area in areas:
            found.setdefault(area, set()).add(local_day(created_at, tz))
    return found


def most_reported(
    days_by_area: dict[str, set[date]], order: Sequence[str]
) -> list[tuple[str, int]]:
    """Areas with their number of days, most days first; ties in vocabulary order."""
    rank = {area: index for index, area in enumerate(order)}
    return sorted(
        ((area, len(days)) for area, days in days_by_area.items()),
        key=lambda item: (-item[1], rank.get(item[0], len(rank))),
    )
