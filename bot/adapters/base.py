"""What every platform adapter shares, so that a platform module only translates.

A platform adapter subclasses :class:`PlatformAdapter`. It turns each platform update
into an :class:`Inbound`, asks :meth:`~PlatformAdapter.first_time` and
:meth:`~PlatformAdapter.handle`, and renders the :class:`Outcome`; it implements
:meth:`~PlatformAdapter.deliver`, which :meth:`~PlatformAdapter.send` wraps. The base
owns what is the same on every platform:

- Exactly once: platforms deliver at least once, so each :class:`Inbound` carries the
  platform's update id, which the core records in the step's own transaction; a repeat
  comes back as an outcome with ``repeat`` set, and nothing is sent. Replies a step
  keeps (``keep_replies``) are marked as they go out (:meth:`~PlatformAdapter.sent`),
  and what a crash left unsent is :meth:`~PlatformAdapter.held_replies` for the next
  start (:class:`~bot.core.ports.ReplyOutbox`).
- The error outcome: a handler that raises gives the user the core's ``common.error``
  apology (:func:`error_outcome`), never silence or a traceback.
- One unreachable path: platform I/O raises :class:`Refused` when a chat is gone for
  good; the base tells the core once (:meth:`~PlatformAdapter.report`, through
  :class:`~bot.core.ports.OnUnreachable`), and :meth:`~PlatformAdapter.send` raises it
  on as the :class:`~bot.core.ports.Unreachable` its caller expects.
- Presses checked against the pressed message: data that is none of that message's
  own buttons (forged) gets :meth:`~PlatformAdapter.unshown_press`, a polite word with
  nothing acted on and nothing edited.
- Choices for a platform without buttons: :func:`numbered` lines, and
  :func:`typed_choice` from a typed key or label back to the choice. At a question
  that asks for a number the keys are letters, so a typed number stays the answer.

Keeping a connection up, and trying again after a start that failed, is
:mod:`bot.adapters.supervise`.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Sequence

from bot.core.messages import Choice, ChoiceMade, Command, ConversationKey, Inbound, Outcome, Reply
from bot.core.ports import Handler, HeldReplies, OnUnreachable, ReplyOutbox, Unreachable
from bot.core.texts import CoreWords
from bot.ops.metrics import CONNECTED, STEP_FAILURES, STEP_SECONDS, UPDATES

log = logging.getLogger(__name__)

# Longer than any list of choices; keeps int() away from a pasted wall of digits.
_MAX_NUMBER_DIGITS = 6


class Refused(Unreachable):
    """The platform refuses a chat for good (the bot was blocked, kicked, DMs closed).

    ``key`` names the chat that refused, which need not be the conversation's: a Discord
    reminder set in a server goes to the user's DM. ``private`` says that chat is the
    user's own, so the user is unreachable there, not just one group.
    """

    def __init__(self, key: ConversationKey, *, private: bool, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.private = private
        self.reported = False


def error_outcome(words: CoreWords) -> Outcome:
    """What the user sees when handling their message failed: the same on every platform
    and the same as the core's own (``Coach.handle``)."""
    apology = words.common.error
    return Outcome(replies=(Reply(apology),), notice=apology, accepted=False, failed=True)


class PlatformAdapter(abc.ABC):
    """An :class:`~bot.core.ports.Adapter` for one platform, minus the platform."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        *,
        words: CoreWords,
        on_unreachable: OnUnreachable | None = None,
        outbox: ReplyOutbox | None = None,
    ) -> None:
        self.name = name
        self._handler = handler
        self._words = words
        self._on_unreachable = on_unreachable
        self._outbox = outbox
        # Set when the connection is gone for good (a token the platform rejects while
        # retrying): the process is told, so it does not stay up serving nobody.
        self.gone = asyncio.Event()
        CONNECTED.labels(name).set_function(lambda: float(self.connected))

    @property
    @abc.abstractmethod
    def connected(self) -> bool:
        """The platform connection is up: updates can arrive and replies can go out."""

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    async def deliver(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        """Show ``reply`` to ``key``'s user; raise :class:`Refused` if the platform
        refuses the chat for good."""

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        """A message the user did not just ask for (a reminder).

        A refusal is reported to the core here, then raised (:class:`Refused` is an
        :class:`~bot.core.ports.Unreachable`) so the caller knows the message did not
        arrive; the caller need not report it again.
        """
        try:
            await self.deliver(key, reply, bulk=bulk)
        except Refused as refused:
            await self.report(refused)
            raise

    async def handle(self, inbound: Inbound) -> Outcome:
        """The core's outcome for ``inbound``, or :func:`error_outcome` if the handler
        raised (logged with the update's id, when the platform has one)."""
        UPDATES.labels(self.name, _kind(inbound)).inc()
        started = time.perf_counter()
        try:
            return await self._handler(inbound)
        except Exception:
            STEP_FAILURES.labels(self.name).inc()
            update_id = inbound.update_id
            log.exception(
                "%s_handler_failed %schat=%s event=%s",
                self.name,
                "" if update_id is None else f"update_id={update_id} ",
                inbound.key.chat_id,
                type(inbound.event).__name__,
            )
            return error_outcome(self._words)
        finally:
            STEP_SECONDS.labels(self.name).observe(time.perf_counter() - started)

    async def sent(self, update_id: str, count: int, *, finished: bool) -> None:
        """The first ``count`` of the update's kept replies went out (``finished``:
        nothing more will be, so the outbox lets them go)."""
        if self._outbox is not None:
            await self._outbox.sent(self.name, update_id, count, finished=finished)

    async def held_replies(self) -> list[HeldReplies]:
        """Replies that steps committed and a stopped or crashed process never finished
        sending, in the order they were handled; send them before anything new. A
        database that can't be read gives none (logged): the updates still work."""
        if self._outbox is None:
            return []
        try:
            held = await self._outbox.held(self.name)
        except Exception:
            log.exception("%s_held_replies_unreadable", self.name)
            return []
        for item in held:
            log.info(
                "%s_held_replies update_id=%s chat=%s replies=%d sent=%d",
                self.name,
                item.update_id,
                item.key.chat_id,
                len(item.replies),
                item.sent,
            )
        return held

    async def close_outbox(self) -> None:
        """Write the marks still pending; call once, when stopping."""
        if self._outbox is not None:
            await self._outbox.close()

    def unshown_press(self, update_id: object = None) -> Outcome:
        """The answer to a press whose data is none of the pressed message's buttons: it
        was forged (any client can send any data), so it never reaches the core, and the
        message, someone else's perhaps, is not edited."""
        log.info("%s_press_not_on_message update_id=%s", self.name, update_id)
        return Outcome(notice=self._words.common.unknown_button, accepted=False)

    async def report(self, refused: Refused) -> None:
        """Tell the core, once, that a chat refused; failing to tell it is only logged,
        as the platform's refusal stands either way."""
        if refused.reported:
            return
        refused.reported = True
        if self._on_unreachable is None:
            return
        try:
            await self._on_unreachable(refused.key, private=refused.private)
        except Exception:
            log.exception("mark_unreachable_failed platform=%s", self.name)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def choice_key(position: int, *, asks_number: bool = False) -> str:
    """What to type for the choice at ``position`` (from 1): its number, or at a question
    that asks for a number its letter (``a``, ``b``...), so that "3" stays the answer 3.
    Past ``z`` there is no letter, and such a choice is picked by its label."""
    if not asks_number:
        return str(position)
    return _LETTERS[position - 1] if position <= len(_LETTERS) else ""


def numbered(choices: Sequence[Choice], first: int = 1, *, asks_number: bool = False) -> list[str]:
    """The choices as lines keyed from ``first`` (``  [1] Done``, or ``  [a] Mild`` at a
    number question), for a platform without buttons."""
    lines = []
    for position, choice in enumerate(choices, start=first):
        key = choice_key(position, asks_number=asks_number)
        lines.append(f"  [{key}] {choice.label}" if key else f"  {choice.label}")
    return lines


def typed_choice(
    typed: str, choices: Sequence[Choice], *, asks_number: bool = False
) -> Choice | None:
    """The choice that ``typed`` names by its key (see :func:`choice_key`) or its label
    (any case); ``None`` if it names none of them. At a number question a number names
    no choice: it is the runner's answer."""
    typed = typed.strip()
    folded = typed.casefold()
    if asks_number:
        if len(folded) == 1 and folded in _LETTERS[: len(choices)]:
            return choices[_LETTERS.index(folded)]
    elif typed.isdecimal() and len(typed) <= _MAX_NUMBER_DIGITS:
        number = int(typed)
        if 1 <= number <= len(choices):
            return choices[number - 1]
    # A label shown more than once (Pause on each listed reminder) means the newest one.
    for choice in reversed(choices):
        if folded == choice.label.casefold():
            return choice
    return None


def _kind(inbound: Inbound) -> str:
    event = inbound.event
    if isinstance(event, Command):
        return "command"
    return "press" if isinstance(event, ChoiceMade) else "text"
