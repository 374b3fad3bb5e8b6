"""Protocols between the core and the outside world, and between features.

Adapters call the :data:`Handler` and implement :class:`Adapter`; the ports at the end
let one feature use another without importing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Protocol

from bot.core.drawings import Spot, Variant
from bot.core.messages import Choice, ConversationKey, ImageRef, Inbound, Outcome, Reply
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


Suggest = Callable[[str], Sequence[str]]
"""What has been typed into an option so far -> values worth offering for it."""


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One named part of a command's text, for platforms with structured command options
    (Discord's slash-command options). The parts a runner fills in are joined, in order,
    into the one line the command reads, just as if it had been typed in full."""

    name: str
    description: str
    # (label, value) pairs to pick from; none: anything may be typed.
    choices: tuple[tuple[str, str], ...] = ()
    # Values to offer as the runner types (autocomplete); they may still type anything.
    suggest: Suggest | None = None
    # How a value reads in the command's text ("{}min": a lead of 30 is "30min").
    template: str = "{}"

    def text(self, value: str) -> str:
        return self.template.format(value.strip())


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as shown in a platform's command menu."""

    name: str
    description: str
    takes_text: bool = False
    # Platforms with structured options show these in place of one free-text box.
    options: tuple[OptionSpec, ...] = ()
    # Only a group's admins may use it: the adapter tells the core who is one.
    admin: bool = False

    def text_of(self, values: Mapping[str, str | None]) -> str:
        """The command's text from option values (by option name); unset ones left out."""
        return " ".join(o.text(v) for o in self.options if (v := values.get(o.name)) and v.strip())


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


class UpdateOrder(Protocol):
    """One chat's updates in their order when several workers receive them.

    Platform update ids grow by one per bot (Telegram's do), so a worker holding a chat's
    update can tell that an earlier one is still in another worker's hands and wait for
    it, or that one has not shown up yet (a gap just below) and wait a moment for it.
    """

    async def wait_turn(self, platform: str, update_id: int, chat: str) -> None:
        """Record the update's arrival, then return once every earlier update of
        ``chat`` held by a live worker is done (bounded: past a few seconds it goes on,
        logged). Never raises for the database's trouble: order is then best effort."""
        ...

    def stepped(self, platform: str, update_id: int) -> None:
        """The update's step is over in this process (its replies are queued in order)."""
        ...

    async def done(self, platform: str, update_id: int) -> None:
        """The update's replies went out: later updates of its chat may go."""
        ...

    async def close(self) -> None:
        """Write what is in hand and stop listening (when the adapter stops)."""
        ...


class Exclusive(Protocol):
    """One worker at a time runs the block named ``name`` (start-up work)."""

    def __call__(self, name: str) -> AbstractAsyncContextManager[None]: ...


class KeyValues(Protocol):
    """Small settings an adapter keeps between runs (such as the synced command menu)."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Picture:
    """An image ready to send: its bytes, the file name it goes by, and where it is on
    disk when it is a file there (the terminal shows that path).

    ``reuse`` names the picture for as long as its bytes stay the same (a drill demo's
    content hash), so a platform that keeps uploads (Telegram's file_id) can send it
    again without uploading; ``None`` for a one-off picture (a runner's progress).
    """

    filename: str
    data: bytes
    path: Path | None = None
    reuse: str | None = None


class Pictures(Protocol):
    """The bytes behind an :class:`ImageRef` (provided by ``bot.media``, wired in bot.app).

    ``reuse_name`` is the picture's ``reuse`` name without making it, so an adapter that
    has it uploaded already skips the drawing. ``picture`` draws (off the event loop) or
    reads it; ``None`` when it can't be had, and the adapter then sends the text alone.
    """

    def reuse_name(self, image: ImageRef) -> str | None: ...

    async def picture(self, image: ImageRef) -> Picture | None: ...


class Adapter(Protocol):
    """A platform connection.

    Lifecycle: ``start()`` once, then ``send`` any number of times, then ``stop()``.
    ``send`` raises :class:`Unreachable` when the platform says the chat is gone;
    ``bulk`` sends (reminders) yield to interactive replies.
    """

    name: str

    @property
    def connected(self) -> bool:
        """The connection is up: updates can arrive and replies can go out."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None: ...


# --- ports between features: each is provided by one feature and wired in bot.app ---


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A message another feature's outbox claimed, for the reminder dispatcher to send."""

    id: int
    key: ConversationKey
    """A chat-wide message (to the group itself) has an empty ``user_id``."""
    reply: Reply


class ScheduledMessages(Protocol):
    """A feature's own scheduled messages (club runs), sent by the one reminder dispatcher
    on its passes, with the reminders' outbox rules: a claim is committed under the
    dispatcher's lease before anything is sent; each send's attempt is committed before
    it is handed over and its outcome after; a claim whose lease ran out (its process
    died) is claimed again, inside the grace window, with ``attempts`` saying whether it
    may be a repeat. With several workers, the claims of one found dead are given back
    at once (:meth:`release_dead`), and a send goes ahead only if its worker still held
    the claim when its attempt was committed.
    """

    async def earliest(self, platforms: Sequence[str]) -> datetime | None:
        """When the next message comes due (None: nothing scheduled)."""
        ...

    async def claim(
        self,
        platforms: Sequence[str],
        now: datetime,
        worker: str,
        lease_until: datetime,
        *,
        limit: int,
        take_over: bool,
    ) -> list[Dispatch]:
        """Claim what is due (and claims whose lease ran out; with ``take_over`` every
        claim on these platforms, as only one process uses the database); committed."""
        ...

    async def attempted(self, ids: Sequence[int], worker: str, lease_until: datetime) -> set[int]:
        """These are about to be handed to the platform; committed before the send.
        Returns those ``worker`` still held: only they may be sent."""
        ...

    async def holders(self) -> set[str]:
        """Who holds claims now (each worker's name on them)."""
        ...

    async def release_dead(self, worker: int, names: Sequence[str]) -> int:
        """Give back the claims held under ``names``, the names of ``worker``, which was
        found dead (unless it is back); committed. Returns how many."""
        ...

    async def finished(self, outcomes: Sequence[tuple[int, str]], now: datetime) -> None:
        """Each send's outcome (sent, failed, unreachable); committed."""
        ...

    async def release(self, ids: Sequence[int], worker: str) -> None:
        """Claims this worker took and will not send (it is stopping): for the next one."""
        ...


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

    async def soreness_since(self, user_id: int, since: datetime) -> list[tuple[datetime, int]]:
        """When, and how sore, each check-in from ``since`` on was, oldest first."""
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


class DrillDemos(Protocol):
    """The animated demo of a drill's variant, with its alt text (provided by
    ``bot.media``, which has the poses); ``None`` for a drill without one."""

    def __call__(self, drill: str, variant: Variant) -> ImageRef | None: ...


class WhereToRoll(Protocol):
    """The picture for a release plan: a body outline with the spots to roll marked
    (provided by ``bot.media``, which knows the outline and its words)."""

    def __call__(self, spots: Sequence[Spot]) -> ImageRef: ...


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


# --- after-run check-ins: reminders ask, the check-in feature hears the answer ---


@dataclass(frozen=True, slots=True)
class RunToAsk:
    """A planned run whose after-run question is going out now (built by reminders)."""

    delivery_id: int
    run_at: datetime
    zone: str
    late: bool = False
    """Sent later than planned (after downtime)."""
    repeat: bool = False
    """Handed to the platform before, by a process that stopped: it may be a repeat."""


MakeButton = Callable[[str, str], Choice]
"""(label, action) -> a button valid at any time for the runner being asked."""


class CheckinQuestion(Protocol):
    """The words and buttons of the after-run question (provided by check-ins, sent by the
    reminder dispatcher through its outbox)."""

    def __call__(self, run: RunToAsk, button: MakeButton) -> Reply: ...


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """A planned run a check-in can be about (from the reminders)."""

    delivery_id: int
    run_at: datetime
    zone: str


class PlannedRuns(Protocol):
    """The runner's planned runs, as the reminders know them (provided by reminders)."""

    async def latest(self, turn: Turn, since: datetime) -> PlannedRun | None:
        """The newest run that started between ``since`` and now, not skipped."""
        ...

    async def started_after(self, turn: Turn, run_at: datetime) -> int:
        """How many planned runs started after ``run_at`` (and by now)."""
        ...

    async def settle(self, turn: Turn, delivery_id: int) -> None:
        """The runner has answered about this run: its question, if not sent, never is."""
        ...

    async def between(self, turn: Turn, start: datetime, end: datetime) -> list[datetime]:
        """Runs reminded of and not skipped in [start, end], oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class RunAdvice:
    """What the next warm-up does because of the last after-run check-in."""

    reason: str
    """One line saying why."""
    rolling: str | None = None
    """Rolling for a tight area, before the drills."""
    gentle: bool = False
    triage: bool = False
    """Pain after the last run: the warm-up asks about sharp pain before anything else."""


class AfterRunAdvice(Protocol):
    """The last check-in's advice for a warm-up starting now (provided by check-ins);
    ``None``: nothing recent to act on."""

    async def __call__(self, turn: Turn, after: datetime | None) -> RunAdvice | None:
        """``after``: the last completed warm-up, which took older answers in already."""
        ...


class CheckinLines(Protocol):
    """Lines for /progress about the check-ins since ``since`` (provided by check-ins)."""

    async def __call__(self, turn: Turn, since: datetime, tz: tzinfo) -> list[str]: ...
