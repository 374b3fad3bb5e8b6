"""What the core needs from a database, as protocols; ``bot.storage`` implements them.

A step runs in one :class:`Transaction`. The engine loads and saves the conversation
through a :class:`ConversationStore`; each feature's flow binds its own store to the
same transaction with ``turn.store(factory)``, so everything a step writes commits or
rolls back together. That includes the record of the platform update the step answers
(:class:`UpdateLog`): an update is handled exactly when its step commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.core.messages import ConversationKey, Reply
from bot.core.runner import Runner, SavedConversation

S = TypeVar("S")


class StepConflict(Exception):
    """Two steps raced to write the same unique row (a user's first messages in two
    chats). The database raises it from its transaction; the engine runs the step again."""


class NotSaved(Exception):
    """The database could not keep this step: no room left on its disk (``reason``
    "full"), or its server stopped answering ("unreachable"). The step's transaction
    rolled back whole, so the conversation stays at its previous step. The database
    raises it from its transaction; the engine tells the runner in one line."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Transaction(Protocol):
    """One database transaction. Opaque to the core: only stores look inside."""


StoreFactory = Callable[[Transaction], S]
"""Binds a feature's store to a step's transaction (usually the store's class)."""


class Database(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction, committed when the block succeeds and rolled back otherwise."""
        ...


class Scrubber(Protocol):
    async def scrub(self) -> None:
        """Wipe what erased rows leave behind beneath the tables (old log frames, dead
        row versions). Called after the erasing transaction commits; never raises."""
        ...


class ConversationStore(Protocol):
    async def load(
        self, key: ConversationKey, now: datetime
    ) -> tuple[Runner, SavedConversation | None]:
        """The user (created on first contact) and their saved conversation, if any."""
        ...

    async def save(
        self,
        key: ConversationKey,
        saved: SavedConversation | None,
        runner: Runner,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        """Store the conversation's new state and the runner's changed settings."""
        ...


class UpdateLog(Protocol):
    async def record(
        self,
        platform: str,
        update_id: str,
        now: datetime,
        *,
        key: ConversationKey,
        replies: Sequence[Reply] = (),
    ) -> bool:
        """Record, in the step's transaction, that this update is handled, together with
        the replies to keep until the adapter has sent them (none: nothing kept).

        False when the update was recorded before (a unique-key conflict: a repeat). The
        engine then rolls the step back. A concurrent step recording the same update (on
        a database server, in another process) is waited for: if it commits, this is the
        repeat.
        """
        ...
