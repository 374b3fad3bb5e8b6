"""Next fire times across DST, midnight and odd offsets, in real IANA zones."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import UnknownZone, local_to_utc
from bot.features.reminders.rules import (
    InvalidRule,
    Occurrence,
    Rule,
    decode_weekdays,
    encode_weekdays,
    next_occurrence,
)

EVERY_DAY = frozenset(range(7))
YEAR = 2026

# Zones that change their clocks in 2026, in both hemispheres, including half-hour
# and 45-minute standard offsets, a half-hour DST shift (Lord Howe) and changes at
# midnight (Santiago, Havana, Beirut).
DST_ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "Asia/Beirut",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
)
STEADY_ZONES = ("Asia/Kolkata", "Asia/Kathmandu", "UTC")


def transitions(zone_name: str, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(instant, offset before, offset after) for each clock change in the year."""
    tz = ZoneInfo(zone_name)
    found = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    previous = instant.astimezone(tz).utcoffset()
    while instant < end:
        later = instant + timedelta(hours=1)
        offset = later.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = instant, later
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            assert previous is not None
            assert offset is not None
            found.append((high, previous, offset))
            previous = offset
        instant = later
    return found


def walk(rule: Rule, start: datetime, end: datetime) -> Iterator[Occurrence]:
    occurrence = next_occurrence(rule, start)
    while occurrence is not None and occurrence.fire_at < end:
        yield occurrence
        occurrence = next_occurrence(rule, occurrence.fire_at)


def local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone_name))


@pytest.mark.parametrize("zone_name", DST_ZONES + STEADY_ZONES)
def test_a_daily_seven_oclock_run_fires_once_every_local_day_all_year(zone_name: str) -> None:
    if zone_name in DST_ZONES:
        assert len(transitions(zone_name, YEAR)) == 2, "the zone should change clocks twice"
    rule = Rule(EVERY_DAY, None, time(7, 0), 30, zone_name)
    start = datetime(YEAR, 1, 1, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    end = datetime(YEAR + 1, 1, 1, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)

    occurrences = list(walk(rule, start, end))

    days = [occurrence.run_on for occurrence in occurrences]
    assert days == [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    for occurrence in occurrences:
        assert local(occurrence.run_at, zone_name).time() == time(7, 0)
        assert local(occurrence.run_at, zone_name).date() == occurrence.run_on
        assert occurrence.run_at - occurrence.fire_at == timedelta(minutes=30)
        assert local(occurrence.fire_at, zone_name).time() == time(6, 30)


@pytest.mark.parametrize("zone_name", DST_ZONES)
def test_a_run_time_skipped_by_the_clocks_is_taken_as_the_moment_they_jump(
    zone_name: str,
) -> None:
    (jump, before, after), *_ = (t for t in transitions(zone_name, YEAR) if t[2] > t[1])
    gap = after - before
    missing = (jump + before).replace(tzinfo=None) + gap / 2  # a wall time inside the gap
    assert local(jump, zone_name).replace(tzinfo=None) != missing
    rule = Rule(frozenset({missing.weekday()}), None, missing.time(), 20, zone_name)

    occurrence = next_occurrence(rule, jump - timedelta(days=1))

    assert occurrence is not None
    assert occurrence.run_on == missing.date()
    assert occurrence.run_at == jump
    assert occurrence.fire_at == jump - timedelta(minutes=20)


@pytest.mark.parametrize("zone_name", DST_ZONES)
def test_a_run_time_shown_twice_by_the_clocks_fires_once_at_the_first(zone_name: str) -> None:
    (change, before, after), *_ = (t for t in transitions(zone_name, YEAR) if t[2] < t[1])
    repeated = (change + after).replace(tzinfo=None) + (before - after) / 2
    rule = Rule(frozenset({repeated.weekday()}), None, repeated.time(), 15, zone_name)

    first = next_occurrence(rule, change - timedelta(days=1))
    assert first is not None
    second = next_occurrence(rule, first.fire_at)

    assert first.run_at == (repeated - before).replace(tzinfo=UTC)
    assert first.run_at < change
    assert second is not None
    assert second.run_on == repeated.date() + timedelta(days=7)


def test_new_york_spring_forward_0230_fires_lead_before_0300_edt() -> None:
    rule = Rule(frozenset({6}), None, time(2, 30), 30, "America/New_York")

    occurrence = next_occurrence(rule, datetime(2026, 3, 7, tzinfo=UTC))

    assert occurrence == Occurrence(
        date(2026, 3, 8),
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 03:00 EDT
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # 01:30 EST
    )


def test_new_york_fall_back_0130_fires_on_daylight_time_only() -> None:
    rule = Rule(EVERY_DAY, None, time(1, 30), 0, "America/New_York")

    runs = list(
        walk(rule, datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
    )

    assert [occurrence.run_at for occurrence in runs] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, not 01:30 EST an hour later
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # 01:30 EST
    ]


def test_a_lead_across_midnight_fires_on_the_previous_local_day() -> None:
    rule = Rule(frozenset({0}), None, time(0, 15), 30, "Europe/Berlin")

    # Monday 1 June 2026, 02:00 in Berlin: this week's 00:15 run has gone by.
    occurrence = next_occurrence(rule, datetime(2026, 6, 1, tzinfo=UTC))

    assert occurrence is not None
    assert occurrence.run_on == date(2026, 6, 8)
    fire = local(occurrence.fire_at, "Europe/Berlin")
    assert (fire.date(), fire.time()) == (date(2026, 6, 7), time(23, 45))
    assert fire.weekday() == 6


def test_a_lead_across_midnight_and_a_midnight_clock_change_keeps_the_full_lead() -> None:
    # Chile moves 00:00 to 01:00 on Sunday 6 September 2026: a 00:15 run becomes 01:00.
    rule = Rule(frozenset({6}), None, time(0, 15), 30, "America/Santiago")

    occurrence = next_occurrence(rule, datetime(2026, 9, 1, tzinfo=UTC))

    assert occurrence is not None
    assert local(occurrence.run_at, "America/Santiago").replace(tzinfo=None) == datetime(
        2026, 9, 6, 1, 0
    )
    fire = local(occurrence.fire_at, "America/Santiago")
    assert fire.replace(tzinfo=None) == datetime(2026, 9, 5, 23, 30)  # Saturday, old offset


def test_a_weekly_rule_fires_only_on_its_days_in_order() -> None:
    rule = Rule(frozenset({0, 2, 4}), None, time(6, 30), 45, "Australia/Adelaide")
    start = datetime(2026, 3, 30, tzinfo=UTC)  # Monday 10:30 there: today's run is gone

    runs = list(walk(rule, start, start + timedelta(days=14)))

    assert [occurrence.run_on.weekday() for occurrence in runs][:6] == [2, 4, 0, 2, 4, 0]
    assert all(
        local(occurrence.run_at, "Australia/Adelaide").time() == time(6, 30) for occurrence in runs
    )
    # Adelaide leaves daylight time (+10:30 → +9:30) on 5 April 2026.
    offsets = {local(occurrence.run_at, "Australia/Adelaide").utcoffset() for occurrence in runs}
    assert offsets == {timedelta(hours=10, minutes=30), timedelta(hours=9, minutes=30)}


def test_a_one_off_fires_once_and_then_never() -> None:
    rule = Rule(frozenset(), date(2026, 5, 4), time(18, 0), 20, "Asia/Kathmandu")

    occurrence = next_occurrence(rule, datetime(2026, 5, 1, tzinfo=UTC))

    assert occurrence is not None
    assert occurrence.run_at == datetime(2026, 5, 4, 12, 15, tzinfo=UTC)  # +05:45
    assert occurrence.fire_at == datetime(2026, 5, 4, 11, 55, tzinfo=UTC)
    assert next_occurrence(rule, occurrence.fire_at) is None
    assert next_occurrence(rule, occurrence.fire_at - timedelta(seconds=1)) == occurrence


def test_random_rules_walk_forward_without_repeats_or_gaps() -> None:
    chooser = random.Random(20260308)
    zones = DST_ZONES + STEADY_ZONES
    for _ in range(60):
        weekdays = frozenset(chooser.sample(range(7), chooser.randint(1, 7)))
        zone_name = chooser.choice(zones)
        rule = Rule(
            weekdays,
            None,
            time(chooser.randrange(24), chooser.randrange(0, 60, 5)),
            chooser.choice((0, 15, 30, 45, 60, 90, 180)),
            zone_name,
        )
        start = datetime(YEAR, 1, 1, tzinfo=UTC)
        runs = list(walk(rule, start, start + timedelta(days=366)))
        run_days = [occurrence.run_on for occurrence in runs]
        assert len(set(run_days)) == len(run_days)
        assert all(day.weekday() in weekdays for day in run_days)
        fires = [occurrence.fire_at for occurrence in runs]
        assert fires == sorted(fires)
        assert len(set(fires)) == len(fires)
        first, last = run_days[0], run_days[-1]
        expected = [
            first + timedelta(days=n)
            for n in range((last - first).days + 1)
            if (first + timedelta(days=n)).weekday() in weekdays
        ]
        assert run_days == expected


def test_local_to_utc_of_an_ordinary_time_is_the_plain_conversion() -> None:
    assert local_to_utc(date(2026, 1, 15), time(7, 0), ZoneInfo("Asia/Kolkata")) == datetime(
        2026, 1, 15, 1, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("weekdays", "once_on", "lead", "zone_name"),
    [
        (frozenset(), None, 30, "UTC"),
        (frozenset({1}), date(2026, 1, 1), 30, "UTC"),
        (frozenset({7}), None, 30, "UTC"),
        (frozenset({1}), None, -5, "UTC"),
        (frozenset({1}), None, 181, "UTC"),
    ],
)
def test_impossible_rules_are_refused(
    weekdays: frozenset[int], once_on: date | None, lead: int, zone_name: str
) -> None:
    with pytest.raises(InvalidRule):
        Rule(weekdays, once_on, time(7, 0), lead, zone_name)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../etc/passwd", "", "europe/london"])
def test_unknown_zone_names_are_refused(name: str) -> None:
    with pytest.raises(UnknownZone):
        Rule(frozenset({1}), None, time(7, 0), 30, name)


def test_weekdays_round_trip_through_storage() -> None:
    assert encode_weekdays([4, 0, 2, 2]) == "024"
    assert decode_weekdays("024") == frozenset({0, 2, 4})
