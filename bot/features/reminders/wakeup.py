"""How a change to a reminder reaches the scheduler in the same process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Listener = Callable[[datetime], None]


class WakeUp:
    """Conversations announce "a reminder now fires at T"; the running scheduler listens.

    Called after the change is committed, so the scheduler never wakes for a row it
    cannot see yet. With no scheduler listening (tests of the conversation alone), the
    announcement goes nowhere and the database still holds the truth.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def changed(self, fire_at: datetime | None) -> None:
        if fire_at is None:
            return
        for listener in list(self._listeners):
            listener(fire_at)
