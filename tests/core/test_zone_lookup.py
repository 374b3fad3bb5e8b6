"""The one zone lookup: strict for reminders, lenient for counting days."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import UnknownZone, known_zone, zone, zone_or_utc

NOT_ZONES = ["Mars/Olympus_Mons", "../etc/passwd", "", "Europe", "America/", "Europe/London\x00"]


def test_a_known_name_is_the_same_zone_every_way() -> None:
    assert zone("Europe/London") == ZoneInfo("Europe/London")
    assert zone_or_utc("Europe/London") is zone("Europe/London")  # looked up once
    assert known_zone("Europe/London") == "Europe/London"


@pytest.mark.parametrize("name", NOT_ZONES)
def test_strict_lookup_refuses_what_is_not_a_zone(name: str) -> None:
    with pytest.raises(UnknownZone):
        zone(name)


@pytest.mark.parametrize("name", [*NOT_ZONES, None])
def test_lenient_lookup_falls_back_to_utc_and_never_raises(name: str | None) -> None:
    # A region ("Europe") is a folder of zone files: it used to escape as IsADirectoryError.
    assert zone_or_utc(name) is UTC
    assert known_zone(name) is None
