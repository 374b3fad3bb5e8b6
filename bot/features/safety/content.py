"""The emergency content (content/emergency.yaml): per country, the numbers to call, the
urgent-advice line and what the emergency department is called, each with its source.

Loaded with ``load_emergency_content``, which also checks the references the schema cannot
(source ids, real country codes) and names the file and field of anything wrong.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from bot.core.content import (
    ContentError,
    Frozen,
    Identifier,
    NonEmpty,
    Source,
    Template,
    load_file,
)
from bot.features.safety.countries import iso_countries

PLACEHOLDERS = frozenset({"emergency", "urgent_line", "department"})
"""What a template may say: the number to call, the urgent-advice line, the department."""

Number = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def _placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}


def _check(value: str, *, must_have: frozenset[str]) -> str:
    used = _placeholders(value)
    unknown = used - PLACEHOLDERS
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS))
        raise ValueError(f"unknown placeholder {sorted(unknown)}; allowed here: {allowed}")
    missing = must_have - used
    if missing:
        raise ValueError(f"must mention {', '.join(f'{{{n}}}' for n in sorted(missing))}")
    return value


class Country(Frozen):
    name: NonEmpty
    emergency: tuple[Number, ...] = Field(min_length=1)
    """The numbers for an ambulance; the first is the one the coach names."""
    urgent_line: NonEmpty | None = None
    """The non-emergency urgent-advice line, only where one covers the whole country."""
    department: NonEmpty
    """The emergency department in words a runner there would recognise."""
    sources: tuple[Identifier, ...] = Field(min_length=1)


class Fallback(Frozen):
    """Words for a runner whose country we do not know: true anywhere."""

    emergency: NonEmpty
    urgent_line: NonEmpty
    department: NonEmpty


class Templates(Frozen):
    emergency_action: Template
    urgent: Template
    see_clinician: Template

    @field_validator("emergency_action", "urgent")
    @classmethod
    def _names_the_number(cls, value: str) -> str:
        return _check(value, must_have=frozenset({"emergency"}))

    @field_validator("see_clinician")
    @classmethod
    def _names_the_line(cls, value: str) -> str:
        return _check(value, must_have=frozenset({"urgent_line"}))


class EmergencyContent(Frozen):
    sources: dict[Identifier, Source] = Field(min_length=1)
    fallback: Fallback
    templates: Templates
    countries: dict[CountryCode, Country] = Field(min_length=15)

    def problems(self) -> list[str]:
        """References the schema cannot see; each names its field."""
        problems: list[str] = []
        known_codes = iso_countries()
        used: set[str] = set()
        for code, country in self.countries.items():
            if code not in known_codes:
                problems.append(f"countries.{code}: not an ISO 3166 country code")
            for index, source_id in enumerate(country.sources):
                used.add(source_id)
                source = self.sources.get(source_id)
                if source is None:
                    problems.append(
                        f"countries.{code}.sources.{index}: unknown source {source_id!r}"
                        " (not in sources)"
                    )
                elif not source.url:
                    problems.append(f"sources.{source_id}: a source for a number needs a url")
        for source_id in sorted(set(self.sources) - used):
            problems.append(f"sources.{source_id}: not used by any country")
        return problems


def load_emergency_content(path: Path) -> EmergencyContent:
    """Read and check ``content/emergency.yaml``; ``ContentError`` names file and field."""
    content = load_file(path, EmergencyContent)
    problems = content.problems()
    if problems:
        raise ContentError("\n".join(f"{path}: {problem}" for problem in problems))
    return content
