"""What to do with a reminder that is due: send, send late, or skip, and when next.

Pure: the dispatcher hands in the rule, the stored fire and snooze times and "now";
this decides. After downtime an occurrence missed by up to ``grace`` is still sent
(late, with a note); anything older is skipped, and the walk jumps straight to the
first occurrence not yet out of grace, so a long outage costs one skipped row per
reminder, never a burst of stale messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.features.reminders.rules import Rule, next_occurrence

RULE = "rule"
SNOOZE = "snooze"
_JUST_BEFORE = timedelta(microseconds=1)


class Action(StrEnum):
    SEND = "send"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Firing:
    """One occurrence to record: sent now, or skipped as too old."""

    occurrence_at: datetime
    kind: str  # RULE | SNOOZE
    action: Action


@dataclass(frozen=True, slots=True)
class Plan:
    firings: tuple[Firing, ...]
    next_fire_at: datetime | None
    snooze_until: datetime | None

    @property
    def finished(self) -> bool:
        """A one-off with nothing left to fire."""
        return self.next_fire_at is None and self.snooze_until is None


def plan(
    rule: Rule,
    next_fire_at: datetime | None,
    snooze_until: datetime | None,
    now: datetime,
    grace: timedelta,
) -> Plan:
    """Decide what a due reminder does at ``now``.

    At most one message is sent per reminder per call: when a snooze comes due together
    with a fresh occurrence, the fresh one is sent and the snooze is dropped.
    """
    firings: list[Firing] = []
    upcoming = next_fire_at
    if upcoming is not None and upcoming <= now:
        if now - upcoming > grace:
            firings.append(Firing(upcoming, RULE, Action.SKIP))
            upcoming = _fire_after(rule, max(upcoming, now - grace - _JUST_BEFORE))
        if upcoming is not None and upcoming <= now:
            firings.append(Firing(upcoming, RULE, Action.SEND))
            upcoming = _fire_after(rule, upcoming)
    if snooze_until is not None and snooze_until <= now:
        if any(firing.action is Action.SEND for firing in firings):
            pass  # the new occurrence replaces the snoozed one
        elif now - snooze_until > grace:
            firings.append(Firing(snooze_until, SNOOZE, Action.SKIP))
        else:
            firings.append(Firing(snooze_until, SNOOZE, Action.SEND))
        snooze_until = None
    return Plan(tuple(firings), upcoming, snooze_until)


def _fire_after(rule: Rule, after: datetime) -> datetime | None:
    occurrence = next_occurrence(rule, after)
    return None if occurrence is None else occurrence.fire_at
