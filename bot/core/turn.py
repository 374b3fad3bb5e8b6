"""One step of a conversation: what came in, the user's saved state, and what goes out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from bot.core import payloads
from bot.core.content import Safety
from bot.core.messages import (
    Choice,
    ConversationKey,
    Document,
    ImageRef,
    Membership,
    Reply,
    Tone,
)
from bot.core.runner import Runner
from bot.core.state import FlowData, FlowState, StateUnreadable
from bot.core.stores import StoreFactory, Transaction
from bot.core.texts import CoreWords

S = TypeVar("S")
D = TypeVar("D", bound=FlowData)
AfterCommit = Callable[[], Awaitable[None]]
Leaver = Callable[[str], Awaitable[None]]


async def _stay(reason: str) -> None:
    """A turn built outside the engine has no flow to leave."""


@dataclass(eq=False)
class Turn:
    """Handed to a flow for one inbound event.

    Flows read and write through their stores (``store(factory)``, bound to this turn's
    transaction), read their step's data with ``data``, move on with ``goto``/``finish``,
    and queue replies with ``say``. Work that must wait until the transaction is
    committed (waking the scheduler) goes in ``after_commit``.
    """

    key: ConversationKey
    is_private: bool
    now: datetime
    texts: CoreWords
    safety: Safety
    user: Runner
    state: FlowState
    tx: Transaction
    locale: str | None = None
    # In a group: a reply can be shown to this user alone (see Inbound.can_whisper).
    can_whisper: bool = False
    # In a group: the sender's standing there, when the platform told it.
    member: Membership | None = None
    replies: list[Reply] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)
    notice: str | None = None
    forgotten: bool = False
    # Another command to run after this flow returns (a menu button, "start warm-up").
    redirected_to: tuple[str, str] | None = None
    # The command runs because the runner asked in plain words ("remind me mon at 7"),
    # not with its slash: a flow may then confirm what it understood before acting.
    in_words: bool = False
    # What the coach's previous message offered (``offer``), read by a bare "yes".
    offered: str | None = None
    # When this conversation last took a step, if it ever did.
    last_step_at: datetime | None = None
    # Makes this turn's button payloads, with the coach's secret key.
    buttons: payloads.Buttons = field(default_factory=payloads.process_buttons)
    # Set by the engine: ends the current flow, letting it close what it opened.
    leaver: Leaver = _stay
    # The paced count this turn started, if any (it stays running when the turn moves on).
    counting: str | None = None
    _stores: dict[Callable[..., Any], Any] = field(default_factory=dict)
    _next_nonce: str | None = None

    def store(self, factory: StoreFactory[S]) -> S:
        """The store ``factory`` makes, bound to this turn's transaction (made once)."""
        found = self._stores.get(factory)
        if found is None:
            found = self._stores[factory] = factory(self.tx)
        return found

    # --- replies ---
    def say(
        self,
        text: str,
        *,
        choices: tuple[Choice, ...] | list[Choice] = (),
        private: bool = False,
        image: ImageRef | None = None,
        document: Document | None = None,
        asks_number: bool = False,
        private_start: str | None = None,
        quiet: bool = False,
        count: str | None = None,
        bold: tuple[str, ...] | list[str] = (),
        in_place: bool = False,
    ) -> None:
        self.replies.append(
            Reply(
                text=text,
                choices=tuple(choices),
                private=private,
                image=image,
                document=document,
                asks_number=asks_number,
                private_start=private_start,
                quiet=quiet,
                count=count,
                bold=tuple(bold),
                in_place=in_place,
            )
        )

    def choice(self, label: str, action: str, tone: Tone = Tone.PLAIN) -> Choice:
        """A button for the prompt being sent now; it expires when the step moves on."""
        if self._next_nonce is None:
            self._next_nonce = payloads.new_nonce()
        payload = self.buttons.encode(self.key.user_id, self._next_nonce, action)
        return Choice(label, payload, tone)

    def global_choice(self, label: str, action: str, tone: Tone = Tone.PLAIN) -> Choice:
        """A button valid at any time; the flow handling ``action`` validates it."""
        payload = self.buttons.encode(self.key.user_id, payloads.ANY_SCOPE, action)
        return Choice(label, payload, tone)

    def public_choice(self, label: str, action: str, tone: Tone = Tone.PLAIN) -> Choice:
        """A button anyone in the chat may press (a club's "Warm up with me"); only
        actions of a flow's ``public_prefixes`` accept it."""
        return Choice(label, self.buttons.encode_public(action), tone)

    def redirect(self, command: str, args: str = "", *, in_words: bool = False) -> None:
        self.redirected_to = (command, args)
        self.in_words = in_words

    def offer(self, what: str) -> None:
        """This turn's last message offers ``what`` ("menu", "warmup_done"): a bare "yes"
        or "no" typed next answers it. Any later step forgets it."""
        self.state.offer = what

    # --- state ---
    async def leave(self, reason: str) -> None:
        """End whatever flow the conversation is in (a red flag stops a warm-up)."""
        await self.leaver(reason)

    def data(self, kind: type[D]) -> D:
        """The current step's data. The engine has already checked that saved data reads
        as the step's type (see ``Flow.steps``), so this fails only on a flow's own bug."""
        found = self.state.read(kind)
        if found is None:
            raise StateUnreadable(f"{self.state.flow}.{self.state.step} holds no {kind.__name__}")
        return found

    def goto(self, flow: str, step: str, data: FlowData) -> None:
        self.state.enter(flow, step, data)
        self._expire_buttons()

    def finish(self) -> None:
        self.state.clear()
        self._expire_buttons()

    def _expire_buttons(self) -> None:
        if self._next_nonce is None:
            self._next_nonce = payloads.new_nonce()

    @property
    def moved_on(self) -> bool:
        """This turn showed a new prompt or ended the flow: earlier buttons expire."""
        return self._next_nonce is not None

    def settle_nonce(self) -> None:
        """Make the buttons sent in this turn the only live ones."""
        if self._next_nonce is not None:
            self.state.nonce = self._next_nonce
