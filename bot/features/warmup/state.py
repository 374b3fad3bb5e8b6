"""What the warm-up keeps between messages, step by step (see ``bot.core.state``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from bot.core.state import FlowData, JsonDict

Soreness = Annotated[int, Field(ge=0, le=10)]
Outcome = Literal["done", "skipped"]
RoutineName = Literal["standard", "quick", "roll"]


@dataclass(frozen=True, slots=True)
class Asked(FlowData):
    """Asked how the hips feel, for this routine (data saved before routines reads as the
    standard one)."""

    routine: RoutineName = "standard"

    def to_json(self) -> JsonDict:
        return _standard_left_out(FlowData.to_json(self))


@dataclass(frozen=True, slots=True)
class Checked(FlowData):
    """The soreness given; waiting for the sharp-pain answer."""

    soreness: Soreness
    routine: RoutineName = "standard"

    def to_json(self) -> JsonDict:
        return _standard_left_out(FlowData.to_json(self))


@dataclass(frozen=True, slots=True)
class DrillAnswer:
    drill: str
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Drilling(FlowData):
    """A warm-up under way: its session, which drill is showing, and the answers so far."""

    session: int
    index: Annotated[int, Field(ge=0)]
    gentle: bool
    soreness: Soreness
    # None: saved by a release that kept the answers only on the session, not here.
    done: tuple[DrillAnswer, ...] | None = None
    routine: RoutineName = "standard"

    def to_json(self) -> JsonDict:
        return _standard_left_out(FlowData.to_json(self))


def _standard_left_out(saved: JsonDict) -> JsonDict:
    """The standard routine is not written: the step reads as before routines came."""
    if saved.get("routine") == "standard":
        del saved["routine"]
    return saved


_ANSWERS = TypeAdapter(tuple[DrillAnswer, ...])


def as_rows(answers: tuple[DrillAnswer, ...]) -> list[dict[str, str]]:
    """The answers as a warm-up session stores them (the same shape as in the state)."""
    rows: list[dict[str, str]] = _ANSWERS.dump_python(answers, mode="json")
    return rows


def from_rows(rows: list[dict[str, str]]) -> tuple[DrillAnswer, ...]:
    return _ANSWERS.validate_python(rows)
