"""Finding a runner's IANA time zone from what they type.

Three ways in: an IANA name in any case (``europe/london``), a city alone
(``Kolkata``, ``new york``), or the local time where they are (``14:35``), which
narrows the zones down to those whose clocks show that time now. Typos get close
matches. Fixed offsets (``Etc/GMT+5``) are never offered: they ignore daylight saving,
and a reminder stored on one would drift by an hour twice a year.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from bot.core.calendar import zone

# Region prefixes of geographic IANA names; the rest are legacy aliases ("US/Eastern",
# "Japan") that still resolve when typed exactly but are never suggested.
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
# Not places: system files, and the legacy names EST, MST and HST, which are fixed
# offsets with no summer time (a New Yorker typing "EST" would be an hour off all summer).
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory", "EST", "MST", "HST"})
# Fixed offsets and their spellings; UTC itself stays, for runners who want it.
_FIXED_OFFSET = re.compile(
    r"^(etc/)?((gmt|utc)[+-]?\d*|greenwich|uct|universal|zulu)$|^etc/utc$", re.IGNORECASE
)
_OFFSET_TEXT = re.compile(
    r"^(?:utc|gmt)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$|^([+-])(\d{1,2})(?::?(\d{2}))?$"
)
# Everyday abbreviations point to the places that use them (suggested, never assumed:
# "MST" is Denver in winter but Phoenix all year).
_ABBREVIATIONS = {
    "est": ("America/New_York", "America/Toronto"),
    "edt": ("America/New_York", "America/Toronto"),
    "cst": ("America/Chicago", "America/Mexico_City"),
    "cdt": ("America/Chicago",),
    "mst": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",),
    "pst": ("America/Los_Angeles", "America/Vancouver"),
    "pdt": ("America/Los_Angeles", "America/Vancouver"),
    "hst": ("Pacific/Honolulu",),
    "bst": ("Europe/London",),
    "cet": ("Europe/Berlin", "Europe/Paris"),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "ist": ("Asia/Kolkata", "Europe/Dublin"),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "aedt": ("Australia/Sydney", "Australia/Melbourne"),
}
_WIDEST_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class ZoneFound:
    name: str


@dataclass(frozen=True, slots=True)
class ZoneSuggestions:
    """No exact match; these are the closest (possibly none)."""

    names: tuple[str, ...]


ZoneLookup = ZoneFound | ZoneSuggestions


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA name accepted as a runner's zone (aliases included, fixed offsets not)."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and (name == "UTC" or not _FIXED_OFFSET.match(name))
    )


@lru_cache(maxsize=1)
def geographic_zones() -> tuple[str, ...]:
    """Region/City names, sorted: the ones worth suggesting."""
    return tuple(sorted(name for name in known_zones() if name.split("/")[0] in _REGIONS))


@lru_cache(maxsize=1)
def _by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in known_zones()}


@lru_cache(maxsize=1)
def _by_city() -> dict[str, tuple[str, ...]]:
    cities: dict[str, list[str]] = {}
    for name in geographic_zones():
        cities.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    return {city: tuple(names) for city, names in cities.items()}


MAX_SUGGESTIONS = 25  # as many as a platform's autocomplete shows (Discord: 25)


def suggest_zones(typed: str, ranking: Sequence[str], limit: int) -> tuple[str, ...]:
    """Zone names to offer as the runner types a city or zone: nothing typed, the
    well-known ones; otherwise names whose city or whole name starts with it, the
    well-known ones first, then names that contain it."""
    key = "_".join(typed.casefold().split())
    if not key:
        return tuple(ranking[:limit])
    names = geographic_zones()

    def city(name: str) -> str:
        return name.rsplit("/", 1)[-1].casefold()

    starts = [n for n in names if city(n).startswith(key) or n.casefold().startswith(key)]
    contains = [n for n in names if key in n.casefold() and n not in starts]
    known = set(ranking)
    ordered = [n for n in starts if n in known] + [n for n in starts if n not in known]
    return _unique([*ordered, *contains])[:limit]


def resolve_zone(text: str, now: datetime, preferred: Sequence[str] = ()) -> ZoneLookup:
    """An exact zone for the text, or suggestions (an empty tuple means no idea).

    ``now`` lets an offset such as ``UTC+5:30`` suggest the zones on that offset today,
    ``preferred`` ones first.
    """
    typed = "_".join(text.strip().split()).lower()
    if not typed:
        return ZoneSuggestions(())
    exact = _by_lower_name().get(typed)
    if exact is not None:
        return ZoneFound(exact)
    if typed in _ABBREVIATIONS:
        return ZoneSuggestions(_ABBREVIATIONS[typed])
    offset = _typed_offset(typed)
    if offset is not None:
        return ZoneSuggestions(zones_with_offset((offset,), now, preferred)[:_SUGGESTIONS])
    by_city = _by_city().get(typed.rsplit("/", 1)[-1])
    if by_city is not None and len(by_city) == 1:
        return ZoneFound(by_city[0])
    if by_city:
        return ZoneSuggestions(by_city[:_SUGGESTIONS])
    return ZoneSuggestions(_close_matches(typed))


def _close_matches(typed: str) -> tuple[str, ...]:
    full = difflib.get_close_matches(typed, list(_by_lower_name()), n=_SUGGESTIONS, cutoff=0.6)
    city = difflib.get_close_matches(
        typed.rsplit("/", 1)[-1], list(_by_city()), n=_SUGGESTIONS, cutoff=0.6
    )
    names = [_by_lower_name()[match] for match in full]
    names += [name for match in city for name in _by_city()[match]]
    return _unique(names)[:_SUGGESTIONS]


def _typed_offset(typed: str) -> timedelta | None:
    match = _OFFSET_TEXT.match(typed)
    if match is None:
        return None
    sign, hours, minutes = match.group(1, 2, 3) if match.group(4) is None else match.group(4, 5, 6)
    if sign is None:
        return timedelta(0)
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -offset if sign == "-" else offset


def offsets_for_local_time(local: time, now: datetime) -> tuple[timedelta, ...]:
    """UTC offsets that make the clock read ``local`` at ``now``.

    The runner's clock may be a few minutes off, so the difference is rounded to the
    nearest quarter hour (every offset in use is a multiple of 15 minutes). Near the
    date line two offsets a day apart fit (-10:00 and +14:00); both are returned.
    """
    utc_now = now.astimezone(UTC)
    typed_minutes = local.hour * 60 + local.minute
    now_minutes = utc_now.hour * 60 + utc_now.minute + utc_now.second / 60
    difference = round((typed_minutes - now_minutes) / 15) * 15 % (24 * 60)
    low, high = _WIDEST_OFFSETS
    candidates = (timedelta(minutes=difference), timedelta(minutes=difference - 24 * 60))
    return tuple(offset for offset in candidates if low <= offset <= high)


def zones_at_local_time(
    local: time, now: datetime, preferred: Sequence[str], limit: int = 6
) -> tuple[str, ...]:
    """Zones whose clocks read ``local`` at ``now``, ``preferred`` ones first."""
    return zones_with_offset(offsets_for_local_time(local, now), now, preferred)[:limit]


def zones_with_offset(
    offsets: Iterable[timedelta], now: datetime, preferred: Sequence[str]
) -> tuple[str, ...]:
    wanted = set(offsets)
    matching = [
        name for name in (*preferred, *geographic_zones(), "UTC") if _offset_at(name, now) in wanted
    ]
    return _unique(matching)


def _offset_at(name: str, now: datetime) -> timedelta | None:
    return now.astimezone(zone(name)).utcoffset()


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
