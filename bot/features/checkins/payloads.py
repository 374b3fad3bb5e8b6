"""The check-in question's buttons, valid at any time (pressed hours later)::

    ci.<feeling letter>.<delivery id>.<run minute>

The delivery is the question's outbox row (0 for a run told about with /ran); the run
minute is the planned run, in whole minutes since the epoch, so an answer is attached to
the run the question was about, whatever happened since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.features.checkins.content import Feeling

PREFIX = "ci."
_LETTERS: dict[Feeling, str] = {"fine": "f", "tight": "t", "sore": "s", "pain": "p"}
_BY_LETTER = {letter: feeling for feeling, letter in _LETTERS.items()}
_PATTERN = re.compile(r"^ci\.([ftsp])\.([0-9]{1,12})\.([0-9]{1,10})$")


@dataclass(frozen=True, slots=True)
class Answer:
    feeling: Feeling
    delivery_id: int
    run_minute: int


def to_minute(at: datetime) -> int:
    return int(at.timestamp()) // 60


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def answer(feeling: Feeling, delivery_id: int, run_minute: int) -> str:
    return f"{PREFIX}{_LETTERS[feeling]}.{delivery_id}.{run_minute}"


def parse(action: str) -> Answer | None:
    found = _PATTERN.match(action)
    if found is None:
        return None
    letter, delivery, minute = found.groups()
    return Answer(_BY_LETTER[letter], int(delivery), int(minute))
