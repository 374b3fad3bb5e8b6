"""When a pre-run reminder fires, computed from its rule in the runner's wall-clock time.

A rule says *when the run is* in local time (weekdays or one date, a run time, an IANA
zone) and *how long before* to remind. Everything here is pure: give it a rule and an
instant, get instants back, always timezone-aware UTC.

Policies the caller can rely on:

* The run is at ``run_time`` on its local date in the rule's zone, whatever the UTC
  offset is that day, so a 07:00 run stays at 07:00 local across DST changes and each
  run date gives exactly one occurrence.
* A run time that does not exist that day (the clocks jump over it, e.g. 02:30 when
  02:00 becomes 03:00) is taken to be the moment the clocks jump: the first instant of
  the new offset (03:00 in that example). It is the earliest real time the wall clock
  shows that is not before the planned time, and it keeps the run on its own day.
* A run time that happens twice (the clocks fall back, e.g. 01:30 when 02:00 becomes
  01:00) is the first of the two, on the offset in force before the change. A run
  happens once, so the reminder fires once.
* The reminder fires exactly ``lead_minutes`` of elapsed time before the run instant.
  A lead that crosses midnight therefore fires on the previous local day (Monday 00:15
  with 30 minutes → Sunday 23:45), and a lead that crosses a DST change still leaves
  the promised minutes to warm up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.calendar import local_to_utc, zone

MAX_LEAD_MINUTES = 180
# Enough days to meet any weekday, plus a day on either side for the lead and for
# dates that UTC and the local zone disagree on.
_SEARCH_DAYS = 10


class InvalidRule(ValueError):
    """The rule cannot describe a reminder (no days, lead out of range, ...)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A reminder rule: weekly on ``weekdays`` (Monday=0) or once on ``once_on``."""

    weekdays: frozenset[int]
    once_on: date | None
    run_time: time
    lead_minutes: int
    zone: str

    def __post_init__(self) -> None:
        if (self.once_on is None) == (not self.weekdays):
            raise InvalidRule("a rule needs weekdays or a date, not both")
        if not all(0 <= day <= 6 for day in self.weekdays):
            raise InvalidRule(f"weekdays must be 0-6: {sorted(self.weekdays)}")
        if not 0 <= self.lead_minutes <= MAX_LEAD_MINUTES:
            raise InvalidRule(f"lead must be 0-{MAX_LEAD_MINUTES} minutes")
        if self.run_time.tzinfo is not None or self.run_time.second or self.run_time.microsecond:
            raise InvalidRule("run time is a naive local HH:MM")
        zone(self.zone)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One run of a rule: its local date, when the run is and when to remind (UTC)."""

    run_on: date
    run_at: datetime
    fire_at: datetime


def occurrence_on(rule: Rule, run_on: date) -> Occurrence:
    """The occurrence for a run on ``run_on`` (local date), whether or not the rule has one."""
    run_at = local_to_utc(run_on, rule.run_time, zone(rule.zone))
    return Occurrence(run_on, run_at, run_at - timedelta(minutes=rule.lead_minutes))


def next_occurrence(rule: Rule, after: datetime) -> Occurrence | None:
    """The first occurrence that fires strictly after ``after``; ``None`` when none is left.

    Successive calls with ``after`` set to the previous ``fire_at`` walk every
    occurrence once, in order.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if rule.once_on is not None:
        once = occurrence_on(rule, rule.once_on)
        return once if once.fire_at > after else None
    # The run is never before the fire time, so its local date is at most a day
    # before the local date of ``after`` (a day of slack covers clocks falling back).
    first_day = after.astimezone(zone(rule.zone)).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if day.weekday() in rule.weekdays:
            candidate = occurrence_on(rule, day)
            if candidate.fire_at > after:
                return candidate
    raise AssertionError("a weekly rule always has an occurrence within ten days")


def encode_weekdays(days: Iterable[int]) -> str:
    """Weekdays as the stored digit string, Monday=0: {0, 2, 4} → "024"."""
    return "".join(str(day) for day in sorted(set(days)))


def decode_weekdays(text: str) -> frozenset[int]:
    return frozenset(int(char) for char in text)


def parse_hhmm(text: str) -> time:
    """A stored "HH:MM" back to a time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def format_hhmm(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"
