"""Protocols the core needs from the outside world, and the one it offers adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.core.messages import ConversationKey, Inbound, Outcome, Reply

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


class UpdateClaims(Protocol):
    """Remembers which platform updates were handled, so a repeat is dropped."""

    async def claim(self, platform: str, update_id: str) -> bool:
        """True the first time this update id is seen; False for a repeat."""
        ...

    async def close(self) -> None: ...


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
