"""What a check-in keeps between messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from bot.core.state import FlowData

Source = Literal["question", "ran", "words"]


@dataclass(frozen=True, slots=True)
class Asking(FlowData):
    """Asked how a run felt (after /ran): the run, in whole minutes since the epoch, and
    the question's delivery (0: a run the reminders did not plan)."""

    run_minute: Annotated[int, Field(ge=0)]
    delivery_id: Annotated[int, Field(ge=0)]
    source: Source


@dataclass(frozen=True, slots=True)
class Where(FlowData):
    """Not fine: asked where it was felt."""

    run_minute: Annotated[int, Field(ge=0)]
    delivery_id: Annotated[int, Field(ge=0)]
    source: Source
    feeling: Literal["tight", "sore", "pain"]
    # A side said with the feeling ("tight on the left"), kept for the area.
    side: Literal["left", "right", "both"] | None = None
