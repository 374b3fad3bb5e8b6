"""Pictures the coach draws itself, described as plain data.

A flow puts one of these in an :class:`~bot.core.messages.ImageRef`; the media package
(``bot.media``) draws it when an adapter asks for the bytes. Every word drawn into a
picture travels here, from the flow's content, so the media package only draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Variant = Literal["standard", "gentle"]


@dataclass(frozen=True, slots=True)
class DrillDemo:
    """The looping animation of one drill's variant (poses from content/poses.yaml)."""

    drill: str
    variant: Variant


@dataclass(frozen=True, slots=True)
class Spot:
    """One area to mark on the body map: its id, the side ("left", "right", "both" or
    ``None`` for an area without sides) and the words written beside it."""

    area: str
    side: str | None
    label: str


@dataclass(frozen=True, slots=True)
class BodyMap:
    """A front and back outline with the named areas marked (a tight-spot plan)."""

    spots: tuple[Spot, ...]
    title: str


@dataclass(frozen=True, slots=True)
class ChartWords:
    """The words on the /progress picture."""

    calendar_title: str
    soreness_title: str
    areas_title: str
    no_checkins: str
    no_areas: str
    weekdays: tuple[str, ...]
    days_axis: str


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """A runner's /progress as a picture: warm-ups on a calendar of ``weeks`` weeks
    ending with ``today``'s, soreness at each check-in (local times), and the tight
    areas of the last days with the number of days each came up."""

    today: date
    weeks: int
    warmup_days: tuple[date, ...]
    soreness: tuple[tuple[datetime, int], ...]
    areas: tuple[tuple[str, int], ...]
    words: ChartWords


Drawing = DrillDemo | BodyMap | ProgressChart
