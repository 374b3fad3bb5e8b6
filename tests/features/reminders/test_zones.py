"""Finding a runner's zone from a name, a city, a typo or the time on their clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.features.reminders.texts import ReminderTexts
from bot.features.reminders.zones import (
    ZoneFound,
    ZoneSuggestions,
    known_zones,
    offsets_for_local_time,
    resolve_zone,
    zones_at_local_time,
)

JULY = datetime(2026, 7, 1, 12, 3, tzinfo=UTC)
JANUARY = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PREFERRED = ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata")


@pytest.mark.parametrize(
    ("typed", "zone_name"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("UTC", "UTC"),
    ],
)
def test_names_and_cities_in_any_case_are_found(typed: str, zone_name: str) -> None:
    assert resolve_zone(typed, JULY) == ZoneFound(zone_name)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Europe/Lodnon", "Europe/London"),
        ("Kolkatta", "Asia/Kolkata"),
        ("america/los_angles", "America/Los_Angeles"),
        ("Sydny", "Australia/Sydney"),
        ("Santigo", "America/Santiago"),
    ],
)
def test_typos_get_close_matches(typed: str, expected: str) -> None:
    found = resolve_zone(typed, JULY)

    assert isinstance(found, ZoneSuggestions)
    assert expected in found.names
    assert len(found.names) <= 5


def test_nonsense_gets_no_suggestions() -> None:
    assert resolve_zone("every blue moon", JULY) == ZoneSuggestions(())
    assert resolve_zone("", JULY) == ZoneSuggestions(())


def test_fixed_offsets_are_never_accepted_but_point_to_real_zones() -> None:
    assert not isinstance(resolve_zone("Etc/GMT+5", JULY), ZoneFound)
    assert not [name for name in known_zones() if "GMT" in name or name.startswith("Etc/")]

    found = resolve_zone("UTC+5:30", JULY)

    assert isinstance(found, ZoneSuggestions)
    assert "Asia/Kolkata" in found.names
    assert all(
        JULY.astimezone(ZoneInfo(name)).utcoffset() == timedelta(hours=5, minutes=30)
        for name in found.names
    )


def test_local_time_narrows_to_zones_on_that_offset_preferred_first() -> None:
    # 12:03 UTC in July; the runner's clock says 13:00 (three minutes off is fine).
    zones = zones_at_local_time(time(13, 0), JULY, PREFERRED)

    assert zones[0] == "Europe/London"
    assert "Europe/Berlin" not in zones  # Berlin is at 14:03
    assert len(zones) <= 6


def test_the_same_clock_time_means_other_zones_in_winter() -> None:
    assert zones_at_local_time(time(13, 0), JANUARY, PREFERRED)[0] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("local", "zone_name"),
    [
        (time(17, 33), "Asia/Kolkata"),
        (time(17, 48), "Asia/Kathmandu"),
        (time(22, 3), "Australia/Sydney"),
    ],
)
def test_half_and_quarter_hour_offsets_are_inferred(local: time, zone_name: str) -> None:
    assert zone_name in zones_at_local_time(local, JULY, (), limit=50)


def test_near_the_date_line_both_days_are_candidates() -> None:
    now = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)

    assert set(offsets_for_local_time(time(0, 0), now)) == {
        timedelta(hours=14),
        timedelta(hours=-10),
    }
    zones = zones_at_local_time(time(0, 0), now, (), limit=50)
    assert {"Pacific/Kiritimati", "Pacific/Honolulu"} <= set(zones)


def test_offsets_suggest_well_known_zones_first(reminder_texts: ReminderTexts) -> None:
    found = resolve_zone("UTC-4", JULY, reminder_texts.zone_ranking())

    assert isinstance(found, ZoneSuggestions)
    assert found.names[:2] == ("America/New_York", "America/Toronto")


def test_gmt_is_taken_as_an_offset_not_as_london() -> None:
    found = resolve_zone("GMT", JULY)

    assert isinstance(found, ZoneSuggestions)
    assert "Europe/London" not in found.names  # London is on +01:00 in July


@pytest.mark.parametrize(
    ("typed", "first"),
    [("EST", "America/New_York"), ("pst", "America/Los_Angeles"), ("MST", "America/Denver")],
)
def test_abbreviations_suggest_places_not_fixed_offsets(typed: str, first: str) -> None:
    found = resolve_zone(typed, JULY)
    assert isinstance(found, ZoneSuggestions)
    assert found.names[0] == first
    assert typed.upper() not in known_zones()  # never stored as a summer-less offset
