"""What a tight-spot report keeps between messages while it is pinned down (see
``bot.core.state``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from bot.core.state import FlowData
from bot.features.tight.content import Adjustment, Kind, Side
from bot.features.tight.reading import AreaReading, Effort

PickPrompt = Literal["ask_where", "too_many", "pick_elsewhere", "pick_none_found", "pick_unsure"]
"""The question above the area buttons (its words are in the tight-spot texts)."""

Asking = Literal["side", "strength"]
"""What the log still wants to know, asked after the plan."""


@dataclass(frozen=True, slots=True)
class Report(FlowData):
    """The report so far, at every step: what was read from the runner's words, then
    what they picked and answered. ``text`` is their words (empty after a bare /tight).

    ``asked`` once the one question that changes the plan (tight or painful, how
    painful) was asked. Once stored: its ``report_id``, and the ``adjustment`` that made
    its plan lighter.
    """

    text: str = ""
    areas: tuple[tuple[str, Side | None], ...] = ()
    kind: Kind | None = None
    intensity: Annotated[int, Field(ge=0, le=10)] | None = None
    side_hint: Side | None = None
    candidates: tuple[str, ...] = ()
    picked: tuple[str, ...] = ()
    prompt: PickPrompt = "pick_unsure"
    strain: bool = False
    effort: bool = False
    effort_days: Annotated[int, Field(ge=0, le=14)] | None = None
    effort_weekday: Annotated[int, Field(ge=0, le=6)] | None = None
    asked: bool = False
    report_id: int | None = None
    adjustment: Adjustment | None = None

    def readings(self) -> list[AreaReading]:
        return [AreaReading(area, side) for area, side in self.areas]

    def named_effort(self) -> Effort | None:
        if not self.effort:
            return None
        return Effort(days_ago=self.effort_days, weekday=self.effort_weekday)


def pairs(areas: Iterable[AreaReading]) -> tuple[tuple[str, Side | None], ...]:
    """Areas as ``Report.areas`` keeps them."""
    return tuple((a.area, a.side) for a in areas)
