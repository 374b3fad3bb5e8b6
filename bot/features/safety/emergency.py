"""Emergency advice that fits where the runner is.

``country_for`` works out the country from what the platform or the runner told us (an
IANA time zone, a language tag); ``emergency_advice`` turns it into the words an urgent or
see-a-clinician message needs: "call 999 or go to A&E", "NHS 111". Without a country the
words stay true anywhere ("your local emergency number"). Pure: no I/O after the tzdata
tables are first read, and those are cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.content import Source
from bot.features.safety.content import EmergencyContent
from bot.features.safety.countries import language_country, zone_country


def country_for(time_zone: str | None, language_code: str | None) -> str | None:
    """The ISO 3166 country code the runner is most likely in, or ``None``.

    The time zone wins: it says where the phone is, the language only what it speaks. A
    language counts only with a region ("en-GB", "pt_BR", "fr-CA"); a bare "de" could be
    Germany, Austria or Switzerland, so it gives ``None`` rather than a guess.
    """
    if time_zone:
        country = zone_country(time_zone)
        if country is not None:
            return country
    if language_code:
        return language_country(language_code)
    return None


@dataclass(frozen=True, slots=True)
class EmergencyAdvice:
    """The words for one country (or for anywhere, when ``country`` is ``None``)."""

    country: str | None
    emergency: str
    """The number to call, or "your local emergency number"."""
    urgent_line: str
    department: str
    numbers: tuple[str, ...]
    """Every emergency number we know for the country, the one to call first."""
    sources: tuple[Source, ...]
    emergency_action: str
    """E.g. "call 999 or go to A&E"."""
    urgent: str
    """The advice for a red flag that needs help today."""
    see_clinician: str
    """The advice for a red flag that needs a GP or physio soon."""

    @property
    def words(self) -> Mapping[str, str]:
        return {
            "emergency": self.emergency,
            "urgent_line": self.urgent_line,
            "department": self.department,
        }

    def fill(self, template: str) -> str:
        """Fill a template that uses ``{emergency}``, ``{urgent_line}`` and ``{department}``."""
        return template.format_map(self.words)


def emergency_advice(content: EmergencyContent, country: str | None) -> EmergencyAdvice:
    """The advice for ``country``; an unknown or missing country gets the fallback words."""
    entry = content.countries.get(country.upper()) if country else None
    fallback = content.fallback
    if entry is None:
        words = {
            "emergency": fallback.emergency,
            "urgent_line": fallback.urgent_line,
            "department": fallback.department,
        }
        numbers: tuple[str, ...] = ()
        sources: tuple[Source, ...] = ()
        code = None
    else:
        words = {
            "emergency": entry.emergency[0],
            "urgent_line": entry.urgent_line or fallback.urgent_line,
            "department": entry.department,
        }
        numbers = entry.emergency
        sources = tuple(content.sources[source_id] for source_id in entry.sources)
        code = country.upper() if country else None
    templates = content.templates
    return EmergencyAdvice(
        country=code,
        emergency=words["emergency"],
        urgent_line=words["urgent_line"],
        department=words["department"],
        numbers=numbers,
        sources=sources,
        emergency_action=templates.emergency_action.format_map(words),
        urgent=templates.urgent.format_map(words),
        see_clinician=templates.see_clinician.format_map(words),
    )
