"""What the coach understood from a tight-spot report."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.tight.content import Kind, Level, Side


@dataclass(frozen=True, slots=True)
class AreaReading:
    area: str
    side: Side | None = None


@dataclass(frozen=True, slots=True)
class Triage:
    """The most serious red-flag level found, and the rules that found it."""

    level: Level | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Effort:
    """A hard effort the runner named ("after the marathon"), and when it was: ``days_ago``
    days before the report, or on ``weekday`` (0 is Monday); neither means today."""

    days_ago: int | None = None
    weekday: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """A report after a correction ("no, both sides"); ``areas_changed`` when the areas
    themselves changed (a new plan is due), not just their sides."""

    areas: tuple[AreaReading, ...]
    kind: Kind | None
    intensity: int | None
    areas_changed: bool


@dataclass(frozen=True, slots=True)
class Reading:
    """One report as read; ``unsure`` means ask before acting on it.

    ``candidates`` are the areas to offer when asking (the recognised ones first);
    ``side_hint`` is a side given without an area it clearly belongs to.
    """

    areas: tuple[AreaReading, ...] = ()
    intensity: int | None = None
    kind: Kind | None = None
    triage: Triage = Triage()
    unsure: bool = False
    candidates: tuple[str, ...] = ()
    too_many: bool = False
    elsewhere: tuple[str, ...] = ()
    side_hint: Side | None = None
    # Some place was named, even vaguely ("hips") or outside the coach's range ("shins").
    names_a_place: bool = False
    # A fresh pull or strain ("I think I pulled my hamstring").
    strain: bool = False
    effort: Effort | None = None

    @property
    def red_flag(self) -> Level | None:
        return self.triage.level

    @property
    def area_ids(self) -> tuple[str, ...]:
        return tuple(area.area for area in self.areas)

    def says_anything(self) -> bool:
        """Whether this reads as a report at all (worth routing to the tight-spot flow)."""
        return self.names_a_place or self.triage.level is not None
