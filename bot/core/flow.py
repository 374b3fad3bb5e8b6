"""What every flow offers the engine, and how it declares its commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.turn import Turn


@dataclass(frozen=True, slots=True)
class CommandDef:
    """A command a flow answers. Its description and menu label are words in content.

    ``takes_text``: platform menus offer a free-text argument ("/tight left glute").
    ``open``: it may run before the safety note is accepted.
    ``switches``: the conversation leaves any other flow first (not so for /cancel, which
    acts on the flow in progress).
    """

    name: str
    takes_text: bool = False
    open: bool = False
    switches: bool = True


class Flow:
    """A conversation the user can be in, such as the warm-up.

    The engine calls ``command`` for the flow's commands, ``choice`` and ``text`` while
    the user is in this flow, ``global_choice`` for ``-``-scoped actions that start with
    one of ``global_prefixes``, and ``claims_text`` for free text typed outside any flow.
    Flows change state only through the turn, inside the engine's transaction.
    """

    name: ClassVar[str]
    commands: ClassVar[tuple[CommandDef, ...]] = ()
    global_prefixes: ClassVar[tuple[str, ...]] = ()

    async def command(self, turn: Turn, name: str, args: str) -> None:
        raise NotImplementedError(f"{self.name} has no command {name}")

    async def choice(self, turn: Turn, action: str) -> None:
        """A press on a button of this flow's current prompt."""
        turn.say(turn.texts.common.unknown_button)

    async def text(self, turn: Turn, text: str) -> None:
        """Text typed while in this flow; by default, point back at the buttons."""
        turn.say(turn.texts.common.use_buttons)

    async def global_choice(self, turn: Turn, action: str) -> None:
        turn.notice = turn.texts.common.unknown_button

    async def claims_text(self, turn: Turn, text: str) -> bool:
        """Free text outside any flow; return True if this flow handled it."""
        return False

    async def reprompt(self, turn: Turn) -> None:
        """Send the current step's prompt again, with fresh buttons."""
        turn.say(turn.texts.common.use_buttons)

    async def leave(self, turn: Turn, reason: str) -> None:
        """The user is leaving mid-flow (``cancel``, ``expired`` or ``switched``)."""
