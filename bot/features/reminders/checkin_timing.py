"""When to ask how a run went: pure, from the run, the runner's delay and their night.

* The question is due ``delay`` after the planned run.
* Never in the runner's night (22:00-07:00 local by default): a due time that falls in
  it waits until the night ends, in the rule's zone, whatever its UTC offset that day.
* If that is not before the runner's next planned run (of any of their reminders), the
  question is dropped: asking about Monday's run after Tuesday's has started would be
  about the wrong run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.core.calendar import local_to_utc, zone
from bot.features.reminders.rules import Rule, next_occurrence

DEFAULT_DELAY_MINUTES = 90
MIN_DELAY_MINUTES = 15
MAX_DELAY_MINUTES = 360


@dataclass(frozen=True, slots=True)
class Night:
    """The local hours no question is sent in; ``start`` after ``end`` wraps midnight."""

    start: time = time(22, 0)
    end: time = time(7, 0)

    def holds(self, at: time) -> bool:
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


def checkin_due(
    run_at: datetime,
    delay: timedelta,
    zone_name: str,
    next_run_at: datetime | None,
    night: Night = Night(),
) -> datetime | None:
    """When to ask about the run at ``run_at``; ``None``: don't (the next run comes first)."""
    due = run_at + delay
    tz = zone(zone_name)
    local = due.astimezone(tz)
    if night.holds(local.time().replace(second=0, microsecond=0)):
        morning = local.date()
        if night.start > night.end and local.time() >= night.start:
            morning += timedelta(days=1)
        due = local_to_utc(morning, night.end, tz)
    if next_run_at is not None and due >= next_run_at:
        return None
    return due


def next_run_after(rules: Iterable[Rule], after: datetime) -> datetime | None:
    """The first planned run of any of ``rules`` strictly after ``after``."""
    runs: list[datetime] = []
    for rule in rules:
        # Occurrences are walked by fire time; a run is at most the lead after it.
        cursor = after - timedelta(minutes=rule.lead_minutes)
        while (found := next_occurrence(rule, cursor)) is not None:
            if found.run_at > after:
                runs.append(found.run_at)
                break
            cursor = found.fire_at
    return min(runs, default=None)
