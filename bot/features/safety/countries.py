"""Which country a runner is in, from the time zone and language their app reports.

Everything comes from the IANA tables shipped in the ``tzdata`` package (``zone.tab``,
``zone1970.tab``, ``iso3166.tab`` and the links in ``tzdata.zi``), read once and cached.
Nothing here guesses: a zone shared by several countries, a bare language ("de") or an
unknown region gives ``None``, and the caller falls back to words that fit anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources

_TZDATA = "tzdata"
_MAX_LINK_HOPS = 4

_LANGUAGE_TAG = re.compile(
    r"^[a-z]{2,3}"  # language: en, pt, fil
    r"(?:[-_][a-z]{4})?"  # optional script: Hant, Latn
    r"[-_]([a-z]{2})"  # region: GB, BR, CA (numeric UN M.49 regions are not countries)
    r"(?:[-_.@].*)?$",  # variants, or a POSIX locale's ".UTF-8" / "@euro"
    re.IGNORECASE,
)
_REGION_ALIASES: Mapping[str, str] = {"UK": "GB"}
"""Regions people write that ISO 3166 spells differently."""


def _lines(name: str) -> Iterator[str]:
    text = resources.files(_TZDATA).joinpath("zoneinfo", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line


@cache
def iso_countries() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code tzdata knows (``iso3166.tab``)."""
    return frozenset(line.split("\t", 1)[0] for line in _lines("iso3166.tab"))


@cache
def _zone_tab() -> Mapping[str, str]:
    """``zone.tab``: one country per zone, the zone's own country."""
    table: dict[str, str] = {}
    for line in _lines("zone.tab"):
        code, _, zone = line.split("\t")[:3]
        table[zone] = code
    return table


@cache
def _zone1970_tab() -> Mapping[str, tuple[str, ...]]:
    """``zone1970.tab``: every country whose clocks have followed the zone since 1970."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _lines("zone1970.tab"):
        codes, _, zone = line.split("\t")[:3]
        table[zone] = tuple(codes.split(","))
    return table


@cache
def _links() -> Mapping[str, str]:
    """Old and alternative names ("US/Eastern", "Asia/Calcutta") and what they point to."""
    links: dict[str, str] = {}
    for line in _lines("tzdata.zi"):
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


@cache
def zone_countries() -> Mapping[str, str]:
    """Every zone name tzdata knows that belongs to exactly one country, lower-cased."""
    table = {zone.lower(): code for zone, code in _zone_tab().items()}
    zone1970 = _zone1970_tab()
    for alias in _links():
        key = alias.lower()
        if key in table:
            continue
        target = alias
        for _ in range(_MAX_LINK_HOPS):
            target = _links().get(target, target)
        # A link shared by several countries (Europe/Belfast is London, which Jersey and
        # Guernsey share) says nothing about which one the runner is in.
        codes = zone1970.get(target, ())
        if len(codes) == 1:
            table[key] = codes[0]
    return table


def zone_country(time_zone: str) -> str | None:
    """The country of an IANA zone name, or ``None`` when it is unknown or shared."""
    return zone_countries().get(time_zone.strip().lower())


def language_country(language_code: str) -> str | None:
    """The region of a language tag with one ("en-GB", "pt_BR", "zh-Hant-TW"), else ``None``."""
    match = _LANGUAGE_TAG.match(language_code.strip())
    if match is None:
        return None
    region = match.group(1).upper()
    region = _REGION_ALIASES.get(region, region)
    return region if region in iso_countries() else None
