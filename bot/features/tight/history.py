"""Which areas a runner reported, on how many of their local days.

Pure: takes report times and areas, the runner's zone, returns counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo

from bot.core.calendar import local_day


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
