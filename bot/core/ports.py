"""Protocols between the core and the outside world, and between features.

Adapters call the :data:`Handler` and implement :class:`Adapter`; the ports at the end
let one feature use another without importing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from bot.core.messages import ConversationKey, Inbound, Outcome, Reply
from bot.core.turn import Turn

Handler = Callable[[Inbound], Awaitable[Outcome]]
"""What an adapter calls for every inbound event; the core's single entry point."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as shown in a platform's command menu."""

    name: str
    description: str
    takes_text: bool = False


class Unreachable(Exception):
    """The platform refuses to deliver to this chat (blocked, kicked, DMs closed)."""


class OnUnreachable(Protocol):
    """Told once when a platform refuses a conversation's chat for good.

    ``private`` says the chat was the user's own (a private chat or DM): the user is
    marked unreachable and all their reminders pause. Otherwise only that chat's
    reminders pause. A later /start from the user clears the mark.
    """

    async def __call__(self, key: ConversationKey, *, private: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class HeldReplies:
    """What a committed step kept to send (``Inbound.keep_replies``) and has not all
    sent yet: its process died, or stopped, between the commit and the last reply."""

    update_id: str
    key: ConversationKey
    replies: tuple[Reply, ...]
    sent: int
    """How many of ``replies`` went out already; they go out in order."""


class ReplyOutbox(Protocol):
    """The replies each step keeps with its update record, until they have gone out.

    The step's transaction stores them (:class:`~bot.core.stores.UpdateLog`); the
    adapter sends them after the commit and says so here, one reply at a time. After a
    crash the next process sends what is still held. Only a reply in flight at the
    moment of the crash (sent, not yet marked) can go out twice.
    """

    async def sent(self, platform: str, update_id: str, count: int, *, finished: bool) -> None:
        """The first ``count`` replies went out. ``finished``: nothing more will be sent
        for this update (all went out, or the rest were given up), so its replies are
        dropped. Never raises: a mark that fails to be written is logged."""
        ...

    async def held(self, platform: str) -> list[HeldReplies]:
        """Every update whose replies are not finished, in the order they were handled."""
        ...

    async def close(self) -> None:
        """Write the marks still pending (call once, when the adapter stops)."""
        ...


class KeyValues(Protocol):
    """Small settings an adapter keeps between runs (such as the synced command menu)."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...


class Adapter(Protocol):
    """A platform connection.

    Lifecycle: ``start()`` once, then ``send`` any number of times, then ``stop()``.
    ``send`` raises :class:`Unreachable` when the platform says the chat is gone;
    ``bulk`` sends (reminders) yield to interactive replies.
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None: ...


# --- ports between features: each is provided by one feature and wired in bot.app ---


@dataclass(frozen=True, slots=True)
class Prelude:
    """What a warm-up does differently because of recent tight-spot reports."""

    reason: str
    """One line saying why, shown in place of the warm-up's usual reason."""
    rolling: str
    """Release work for the recently reported areas, before the first drill."""
    gentle: bool


class WarmupPrelude(Protocol):
    """Rolling before the drills for areas reported lately (provided by tight spots).

    ``None`` when nothing was reported recently: the warm-up then runs as usual.
    ``gentle_from`` is the soreness from which the routine goes gentle.
    """

    async def __call__(
        self, turn: Turn, soreness: int, gentle: bool, gentle_from: int
    ) -> Prelude | None: ...


class WarmupHistory(Protocol):
    """A runner's warm-ups and check-ins (provided by the warm-up's store)."""

    async def completed_warmups(self, user_id: int, since: datetime) -> list[datetime]:
        """Start times of completed warm-ups from ``since`` on, oldest first."""
        ...

    async def soreness_since(self, user_id: int, since: datetime) -> list[int]:
        """Soreness of each check-in from ``since`` on, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class AreaTally:
    """An area in words ("left glute") and on how many local days it was reported."""

    name: str
    days: int


@dataclass(frozen=True, slots=True)
class ReportedAreas:
    reported: bool
    """Anything was reported in the window (even if no area in it could be named)."""
    ranked: tuple[AreaTally, ...]
    """Most days first."""


class AreaHistory(Protocol):
    """The tight-spot areas a runner reported since a moment (provided by tight spots)."""

    async def __call__(self, turn: Turn, since: datetime, tz: tzinfo) -> ReportedAreas: ...


class ReminderFocus(Protocol):
    """Each runner's recent tight-spot areas in words, for the lines of their reminders
    (provided by tight spots). Runners with nothing recent are left out."""

    async def __call__(self, owner_ids: Sequence[int], since: datetime) -> Mapping[int, str]: ...


StartHook = Callable[[Turn], Awaitable[None]]
"""Run on every /start (reminders resume what was paused while the runner was away)."""


class EmergencyWords(Protocol):
    """The emergency words that fit where the runner is, for safety advice templates.

    Keys: ``emergency`` (the number to call, or "your local emergency number"),
    ``urgent_line`` and ``department``; and ``country``, the ISO code the words are for
    ("" when unknown). Implemented by the safety feature.
    """

    def __call__(self, turn: Turn) -> Mapping[str, str]: ...
