"""What a tight-spot report keeps between messages while it is pinned down (see
``bot.core.state``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from bot.core.state import FlowData
from bot.features.tight.content import Kind, Side
from bot.features.tight.reading import AreaReading

PickPrompt = Literal["ask_where", "too_many", "pick_elsewhere", "pick_none_found", "pick_unsure"]
"""The question above the area buttons (its words are in the tight-spot texts)."""


@dataclass(frozen=True, slots=True)
class Report(FlowData):
    """The report so far, at every step: what was read from the runner's words, then
    what they picked and answered. ``text`` is their words (empty after a bare /tight)."""

    text: str = ""
    areas: tuple[tuple[str, Side | None], ...] = ()
    kind: Kind | None = None
    intensity: Annotated[int, Field(ge=0, le=10)] | None = None
    side_hint: Side | None = None
    candidates: tuple[str, ...] = ()
    picked: tuple[str, ...] = ()
    prompt: PickPrompt = "pick_unsure"
    side_asked: bool = False

    def readings(self) -> list[AreaReading]:
        return [AreaReading(area, side) for area, side in self.areas]


def pairs(areas: Iterable[AreaReading]) -> tuple[tuple[str, Side | None], ...]:
    """Areas as ``Report.areas`` keeps them."""
    return tuple((a.area, a.side) for a in areas)
