"""When a club run's messages go out, from its rule in the club's wall-clock time.

Pure. The same DST policy as personal reminders (``bot.core.calendar.local_to_utc``):
the run stays at its local time across DST changes; a time the clocks skip is the moment
they jump; a time they show twice is the first. The invite goes ``lead_minutes`` of
elapsed time before the run, the neutral line ``AFTER_RUN`` after its start, and the
weekly summary on Sunday evening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.calendar import local_to_utc, zone

MAX_LEAD_MINUTES = 180
AFTER_RUN = timedelta(minutes=90)
SUMMARY_DAY = 6  # Sunday
SUMMARY_TIME = time(18, 0)


@dataclass(frozen=True, slots=True)
class RunRule:
    weekdays: frozenset[int]
    run_time: time
    zone: str
    lead_minutes: int


@dataclass(frozen=True, slots=True)
class RunOccurrence:
    run_on: date
    run_at: datetime
    invite_at: datetime

    @property
    def after_at(self) -> datetime:
        return self.run_at + AFTER_RUN


def next_run(rule: RunRule, after: datetime) -> RunOccurrence:
    """The first occurrence whose invite goes out strictly after ``after``."""
    tz = zone(rule.zone)
    first_day = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(10):
        day = first_day + timedelta(days=offset)
        if day.weekday() in rule.weekdays:
            run_at = local_to_utc(day, rule.run_time, tz)
            invite_at = run_at - timedelta(minutes=rule.lead_minutes)
            if invite_at > after:
                return RunOccurrence(day, run_at, invite_at)
    raise AssertionError("a weekly rule always has a run within ten days")


def next_summary(zone_name: str, after: datetime) -> datetime:
    """The next Sunday 18:00 in the club's zone, strictly after ``after``."""
    tz = zone(zone_name)
    today = after.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() == SUMMARY_DAY:
            at = local_to_utc(day, SUMMARY_TIME, tz)
            if at > after:
                return at
    raise AssertionError("a Sunday comes within eight days")
