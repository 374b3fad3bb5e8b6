"""What every flow offers the engine, and how it declares its commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from bot.core.ports import OptionSpec
from bot.core.state import FlowData
from bot.core.turn import Turn

Steps = Mapping[str, type[FlowData]]
"""Each step a flow saves, and the data it keeps there."""


@dataclass(frozen=True, slots=True)
class CommandDef:
    """A command a flow answers. Its description and menu label are words in content.

    ``takes_text``: platform menus offer a free-text argument ("/tight left glute").
    ``open``: it may run before the safety note is accepted.
    ``switches``: the conversation leaves any other flow first (not so for /cancel, which
    acts on the flow in progress).
    ``personal``: it asks about or shows the runner's health (soreness, pain, reports). In
    a group where a reply can't be shown to one member alone, it runs in a private chat.
    """

    name: str
    takes_text: bool = False
    open: bool = False
    switches: bool = True
    personal: bool = False
    # Only a group's admins may use it: the platform says who is one (Inbound.member).
    admin: bool = False


class Flow:
    """A conversation the user can be in, such as the warm-up.

    The engine calls ``command`` for the flow's commands, ``choice`` and ``text`` while
    the user is in this flow, ``global_choice`` for ``-``-scoped actions that start with
    one of ``global_prefixes``, and ``claims_text`` for free text typed outside any flow.
    Flows change state only through the turn, inside the engine's transaction.

    ``steps`` names each step the flow saves and the :class:`FlowData` it keeps there.
    Before a saved conversation reaches the flow, the engine reads its data as that
    type; a step not listed, or data that does not read, calls ``restart`` instead.
    """

    name: ClassVar[str]
    commands: ClassVar[tuple[CommandDef, ...]] = ()
    global_prefixes: ClassVar[tuple[str, ...]] = ()
    # Global actions whose buttons anyone in the chat may press (Turn.public_choice).
    public_prefixes: ClassVar[tuple[str, ...]] = ()
    steps: ClassVar[Steps] = {}

    async def command(self, turn: Turn, name: str, args: str) -> None:
        raise NotImplementedError(f"{self.name} has no command {name}")

    def command_options(self, command: str) -> tuple[OptionSpec, ...]:
        """The named parts of ``command``'s text, for platforms with structured options
        (none: one free-text box, if the command takes text)."""
        return ()

    async def choice(self, turn: Turn, action: str) -> None:
        """A press on a button of this flow's current prompt."""
        turn.say(turn.texts.common.unknown_button)

    async def text(self, turn: Turn, text: str) -> bool:
        """Text typed while in this flow; True if the step understood it. Otherwise the
        engine's later passes try (greetings, commands, the FAQ, then an honest "I can't
        help with that yet"), and the step's buttons stay live."""
        return False

    async def not_understood(self, turn: Turn, text: str) -> None:
        """No pass understood ``text``, typed in this flow. Only words (why the step could
        not take it): the step's buttons above stay the live ones."""
        turn.say(turn.texts.understanding.cant_help_yet)

    async def global_choice(self, turn: Turn, action: str) -> None:
        turn.notice = turn.texts.common.unknown_button

    async def claims_text(self, turn: Turn, text: str) -> bool:
        """Free text outside any flow; return True if this flow handled it."""
        return False

    async def reprompt(self, turn: Turn) -> None:
        """Send the current step's prompt again, with fresh buttons."""
        turn.say(turn.texts.common.use_buttons)

    async def restart(self, turn: Turn) -> None:
        """The conversation was in this flow, but its saved step could not be read (saved
        by a version this code doesn't know); the engine has dropped it. By default, run
        the flow's first command again, as if the runner had just sent it."""
        turn.redirect(self.commands[0].name)

    async def leave(self, turn: Turn, reason: str) -> None:
        """The user is leaving mid-flow (``cancel``, ``expired`` or ``switched``)."""
