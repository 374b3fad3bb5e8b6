"""Paced counts: a message the coach edits in place while it counts a runner through.

A flow says what to show and when (:class:`PacedCount`: its beats, and what the message
becomes at the end); the counts feature saves it with the step, times it on the
scheduler and shows each beat through the :class:`CountScreen` the platform's adapter
made for the message. Nothing here knows a platform.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.core.messages import Choice, ConversationKey, Reply

if TYPE_CHECKING:
    from bot.core.turn import Turn

MIN_BEAT_GAP = 1.5
"""Least seconds between two beats: Telegram allows about one message (or edit) a second
per chat, so a count never asks for more."""


@dataclass(frozen=True, slots=True)
class Beat:
    """What the count's message says from ``at`` seconds after it opened."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class PacedCount:
    """The beats in order (the first at 0: the message as it opens), then ``done``,
    which the message becomes ``ends_after`` seconds in (with the step's buttons).
    ``controls`` are the buttons shown while it counts (Stop); they live only as long as
    the process, since a count is never resumed after a restart."""

    beats: tuple[Beat, ...]
    ends_after: float
    done: Reply
    controls: tuple[Choice, ...] = ()

    def __post_init__(self) -> None:
        if not self.beats or self.beats[0].at != 0:
            raise ValueError("a count opens with a beat at 0 s")
        times = [beat.at for beat in self.beats] + [self.ends_after]
        if any(b - a < MIN_BEAT_GAP - 1e-9 for a, b in itertools.pairwise(times)):
            raise ValueError(f"beats must be at least {MIN_BEAT_GAP} s apart")


class CountScreen(Protocol):
    """One message showing a count, made by the adapter that sent it.

    ``show`` edits it to read ``text`` with ``choices`` (the platform's edit call); it
    raises if the platform refuses, and then the count goes on without the message.
    """

    async def show(self, text: str, choices: tuple[Choice, ...]) -> None: ...


class CountScreens(Protocol):
    """Told by an adapter that the message opening count ``count`` went out
    (:attr:`Reply.count`), with the way to edit it; the count starts then."""

    def opened(self, count: str, key: ConversationKey, screen: CountScreen) -> None: ...


class Counts(Protocol):
    """Starts and stops counts (provided by the counts feature, used by flows and the
    engine). Both write in the turn's transaction and act once it has committed."""

    async def begin(self, turn: Turn, count: PacedCount) -> str:
        """Save ``count`` for this conversation (ending one already running) and return
        its id, for the :attr:`Reply.count` of the message that opens it."""
        ...

    async def end(self, turn: Turn) -> bool:
        """Stop the conversation's running count, if any (True if one was running). Once
        the step commits no beat of it is shown again, so the step's own reply is the
        runner's last word on it."""
        ...
