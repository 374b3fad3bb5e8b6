"""What the reminder form and the time-zone question keep between messages (see
``bot.core.state``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated

from pydantic import Field, PlainSerializer

from bot.core.state import FlowData
from bot.features.reminders.rules import MAX_LEAD_MINUTES, Rule, parse_hhmm

Weekdays = Annotated[
    frozenset[Annotated[int, Field(ge=0, le=6)]],
    PlainSerializer(sorted, return_type=list[int]),  # saved in order, Monday first
]
Lead = Annotated[int, Field(ge=0, le=MAX_LEAD_MINUTES)]


@dataclass(frozen=True, slots=True)
class Draft(FlowData):
    """The guided /remind form so far; ``edit`` is the reminder being changed, if any."""

    days: Weekdays = frozenset()
    once_on: date | None = None
    time: str | None = None  # local "HH:MM"
    lead: Lead | None = None
    edit: int | None = None

    def with_days(self, days: frozenset[int]) -> Draft:
        return replace(self, days=days, once_on=None)

    def with_once(self, once_on: date) -> Draft:
        return replace(self, days=frozenset(), once_on=once_on)

    def rule(self, zone_name: str) -> Rule | None:
        if self.time is None or self.lead is None or (not self.days and self.once_on is None):
            return None
        days = frozenset() if self.once_on is not None else self.days
        return Rule(days, self.once_on, parse_hhmm(self.time), self.lead, zone_name)


@dataclass(frozen=True, slots=True)
class ZoneQuestion(FlowData):
    """/timezone waiting for an answer: the zones its buttons stand for, and the command
    (with its words) to carry on with once the zone is saved."""

    options: tuple[str, ...] = ()
    then: str | None = None
    args: str = ""
