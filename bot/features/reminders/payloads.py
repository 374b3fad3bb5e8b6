"""The actions of the reminder buttons that work at any time, built and read only here.

On the reminder message (the dispatcher sends it)::

    rem.go                            Start warm-up
    rem.snz.<reminder>.<delivery>     Snooze
    rem.skip.<reminder>.<delivery>    Skip

On each reminder of the /reminders list::

    rem.pause.<id>  rem.resume.<id>  rem.edit.<id>  rem.del.<id>

These are pressed days later, so an action names the rows it acts on and the flow checks
them again; here they are only built and taken apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "rem."
_ID = re.compile(r"^[0-9]{1,12}$")


class ListVerb(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    EDIT = "edit"
    DELETE = "del"


class DeliveryVerb(StrEnum):
    SNOOZE = "snz"
    SKIP = "skip"


_GO = "go"
_LIST_VERBS = {verb.value: verb for verb in ListVerb}
_DELIVERY_VERBS = {verb.value: verb for verb in DeliveryVerb}


@dataclass(frozen=True, slots=True)
class StartWarmup:
    pass


@dataclass(frozen=True, slots=True)
class OnDelivery:
    """Snooze or Skip on one delivery (message) of a reminder."""

    verb: DeliveryVerb
    reminder_id: int
    delivery_id: int


@dataclass(frozen=True, slots=True)
class OnReminder:
    """A button of one reminder in the /reminders list."""

    verb: ListVerb
    reminder_id: int


Press = StartWarmup | OnDelivery | OnReminder


def start_warmup() -> str:
    return f"{PREFIX}{_GO}"


def on_delivery(verb: DeliveryVerb, reminder_id: int, delivery_id: int) -> str:
    return f"{PREFIX}{verb}.{reminder_id}.{delivery_id}"


def on_reminder(verb: ListVerb, reminder_id: int) -> str:
    return f"{PREFIX}{verb}.{reminder_id}"


def parse(action: str) -> Press | None:
    """What a press asks for; ``None`` for anything not built by this module."""
    if not action.startswith(PREFIX):
        return None
    verb, *numbers = action.removeprefix(PREFIX).split(".")
    if not all(_ID.match(number) for number in numbers):
        return None
    ids = [int(number) for number in numbers]
    if verb == _GO and not ids:
        return StartWarmup()
    if verb in _DELIVERY_VERBS and len(ids) == 2:
        return OnDelivery(_DELIVERY_VERBS[verb], ids[0], ids[1])
    if verb in _LIST_VERBS and len(ids) == 1:
        return OnReminder(_LIST_VERBS[verb], ids[0])
    return None
