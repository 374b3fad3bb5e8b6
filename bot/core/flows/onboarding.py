"""/start, the one-time safety note, /help and the main menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from bot.core.flows.base import Flow
from bot.core.turn import Turn

ACCEPT = "start.accept"
StartHook = Callable[[Turn], Awaitable[None]]


def send_menu(turn: Turn, text: str | None = None) -> None:
    """A message (by default the menu prompt) with the main-menu buttons."""
    choices = [
        turn.global_choice(label, f"menu.{command}") for command, label in turn.texts.menu.items()
    ]
    turn.say(text or turn.texts.common.menu_prompt, choices=choices)


def send_disclaimer(turn: Turn, then: str | None, args: str = "") -> None:
    """Ask once for the safety note to be accepted, then carry on with ``then``."""
    turn.say(
        turn.content.safety.disclaimer.text, choices=[turn.choice(turn.texts.start.accept, ACCEPT)]
    )
    turn.goto("start", "accept", {"then": then, "args": args})


class Onboarding(Flow):
    name = "start"
    commands = ("start", "help")
    open_commands = ("start", "help")
    global_prefixes = ("menu.",)
    menu_commands: ClassVar[tuple[str, ...]] = ()

    def __init__(self, on_start: StartHook | None = None) -> None:
        # Run on every /start, e.g. to resume reminders paused while unreachable.
        self.on_start = on_start

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if name == "help":
            self._help(turn)
            return
        turn.user.unreachable_since = None
        if self.on_start is not None:
            await self.on_start(turn)
        if turn.user.disclaimer_accepted_at is None:
            turn.say(turn.texts.start.welcome)
            send_disclaimer(turn, then=None)
        else:
            send_menu(turn, turn.texts.start.already_accepted)

    async def choice(self, turn: Turn, action: str) -> None:
        if action != ACCEPT:
            await super().choice(turn, action)
            return
        turn.user.disclaimer_accepted_at = turn.now
        then = turn.state.data.get("then")
        args = str(turn.state.data.get("args", ""))
        turn.finish()
        if isinstance(then, str):
            turn.redirect(then, args)
        else:
            send_menu(turn, turn.texts.start.accepted)

    async def global_choice(self, turn: Turn, action: str) -> None:
        command = action.removeprefix("menu.")
        if command in turn.texts.menu:
            turn.redirect(command, "")
        else:
            await super().global_choice(turn, action)

    async def reprompt(self, turn: Turn) -> None:
        then = turn.state.data.get("then")
        send_disclaimer(
            turn, then if isinstance(then, str) else None, str(turn.state.data.get("args", ""))
        )

    def _help(self, turn: Turn) -> None:
        lines = [turn.texts.help.title]
        lines += [
            turn.texts.help.line.format(command=name, description=description)
            for name, description in turn.texts.commands.items()
        ]
        if not turn.is_private:
            lines.append(turn.texts.help.footer)
        send_menu(turn, "\n".join(lines))
