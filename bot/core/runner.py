"""The runner as one step sees them, and the conversation saved between steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Runner:
    """The user as one step sees them. Flows may change these settings; the step writes
    back the ones that changed (``ConversationStore.save``)."""

    id: int
    time_zone: str | None = None
    disclaimer_accepted_at: datetime | None = None
    unreachable_since: datetime | None = None
    # The platform's language tag, as last sent ("en-GB"): for messages without one.
    locale: str | None = None
    _as_loaded: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._as_loaded = self._settings()

    def _settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _RUNNER_SETTINGS}

    def changes(self) -> dict[str, Any]:
        """The settings changed since loading, by column name."""
        return {n: v for n, v in self._settings().items() if v != self._as_loaded[n]}


_RUNNER_SETTINGS = ("time_zone", "disclaimer_accepted_at", "unreachable_since", "locale")


@dataclass(frozen=True, slots=True)
class SavedConversation:
    id: int
    state: dict[str, Any]
    updated_at: datetime
