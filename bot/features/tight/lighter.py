"""When a release plan goes lighter, or waits, and why (pure: no state, no I/O).

A fresh pull or strain waits; pain, a hard effort today, DOMS (a day to three after one)
and strong tightness go lighter and shorter. Only the most important reason is given,
in one line with its source (``content/tight/smr.yaml``, ``lighter``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from bot.core.calendar import local_day
from bot.features.tight.content import Adjustment, Kind, Lighter
from bot.features.tight.reading import Effort

HOUR = 3600.0


def effort_hours(
    effort: Effort | None, said_at: datetime, now: datetime, tz: tzinfo
) -> float | None:
    """Hours from the hard effort a report named to ``now`` (``None`` if it named none).

    "Yesterday's long run" is a day before ``said_at``; "Sunday's half", the last Sunday
    on or before the runner's local day; an effort with no day, that same moment.
    """
    if effort is None:
        return None
    if effort.days_ago is not None:
        days = effort.days_ago
    elif effort.weekday is not None:
        days = (local_day(said_at, tz).weekday() - effort.weekday) % 7
    else:
        days = 0
    at = said_at - timedelta(days=days)
    return max(0.0, (now - at).total_seconds() / HOUR)


def choose(
    lighter: Lighter,
    *,
    kind: Kind | None,
    intensity: int | None,
    strain: bool,
    hours_since_effort: float | None,
) -> Adjustment | None:
    """The reason the plan goes lighter, most important first; ``None`` for the full plan."""
    if strain:
        return "wait"
    if kind == "pain":
        return "care"
    hours = hours_since_effort
    if hours is not None and hours < lighter.fresh_until_hours:
        return "fresh"
    if hours is not None and hours <= lighter.doms_until_hours:
        return "doms"
    if intensity is not None and intensity >= lighter.strong_from:
        return "strong"
    return None
