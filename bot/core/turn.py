"""One step of a conversation: what came in, the user's saved state, and what goes out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.content.texts import CoreTexts
from bot.core import payloads
from bot.core.messages import Choice, ConversationKey, Document, ImageRef, Reply
from bot.core.state import FlowState, JsonDict
from bot.storage.repository import Repository, Runner

R = TypeVar("R", bound=Repository)
AfterCommit = Callable[[], Awaitable[None]]


@dataclass(eq=False)
class Turn:
    """Handed to a flow for one inbound event.

    Flows read and write through ``repo(...)`` (inside this turn's transaction),
    change ``state`` with ``goto``/``finish``, and queue replies with ``say``. Work
    that must wait until the transaction is committed (waking the scheduler) goes in
    ``after_commit``.
    """

    key: ConversationKey
    is_private: bool
    now: datetime
    content: Content
    user: Runner
    state: FlowState
    _session: AsyncSession
    replies: list[Reply] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)
    notice: str | None = None
    forgotten: bool = False
    # Another command to run after this flow returns (a menu button, "start warm-up").
    redirected_to: tuple[str, str] | None = None
    _repos: dict[type[Repository], Repository] = field(default_factory=dict)
    _next_nonce: str | None = None

    @property
    def texts(self) -> CoreTexts:
        return self.content.texts

    def repo(self, kind: type[R]) -> R:
        if kind not in self._repos:
            self._repos[kind] = kind(self._session)
        found = self._repos[kind]
        assert isinstance(found, kind)
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
    ) -> None:
        self.replies.append(
            Reply(
                text=text,
                choices=tuple(choices),
                private=private,
                image=image,
                document=document,
            )
        )

    def choice(self, label: str, action: str) -> Choice:
        """A button for the prompt being sent now; it expires when the step moves on."""
        if self._next_nonce is None:
            self._next_nonce = payloads.new_nonce()
        return Choice(label, payloads.encode(self.key.user_id, self._next_nonce, action))

    def global_choice(self, label: str, action: str) -> Choice:
        """A button valid at any time; the flow handling ``action`` validates it."""
        return Choice(label, payloads.encode(self.key.user_id, payloads.ANY_SCOPE, action))

    def redirect(self, command: str, args: str = "") -> None:
        self.redirected_to = (command, args)

    # --- state ---
    def goto(self, flow: str, step: str, data: JsonDict | None = None) -> None:
        self.state.flow = flow
        self.state.step = step
        if data is not None:
            self.state.data = data
        self._expire_buttons()

    def finish(self) -> None:
        self.state.flow = None
        self.state.step = None
        self.state.data = {}
        self._expire_buttons()

    def _expire_buttons(self) -> None:
        if self._next_nonce is None:
            self._next_nonce = payloads.new_nonce()

    def settle_nonce(self) -> None:
        """Make the buttons sent in this turn the only live ones."""
        if self._next_nonce is not None:
            self.state.nonce = self._next_nonce
