"""The two prompts any flow may need: the main menu, and the one-time safety note.

The safety note is accepted in the ``start`` flow (``bot.features.onboarding``): until a
runner presses "I understand", a command that is not open asks for it first and then
carries on with that command.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.state import FlowData
from bot.core.turn import Turn

CONSENT_FLOW = "start"
CONSENT_STEP = "accept"
ACCEPT = "start.accept"
MENU_PREFIX = "menu."
MENU_OFFER = "menu"


@dataclass(frozen=True, slots=True)
class Consent(FlowData):
    """While the safety note waits to be accepted: the command to carry on with after."""

    then: str | None = None
    args: str = ""


def send_menu(turn: Turn, text: str | None = None) -> None:
    """A message (by default the menu prompt) with the main-menu buttons."""
    choices = [
        turn.global_choice(label, f"{MENU_PREFIX}{command}")
        for command, label in turn.texts.menu.items()
    ]
    turn.say(text or turn.texts.common.menu_prompt, choices=choices)
    turn.offer(MENU_OFFER)


def menu_command(action: str) -> str | None:
    """The command a main-menu button (``send_menu``) runs, if ``action`` is one."""
    return action.removeprefix(MENU_PREFIX) if action.startswith(MENU_PREFIX) else None


def ask_consent(turn: Turn, then: str | None, args: str = "") -> None:
    """Ask once for the safety note to be accepted, then carry on with ``then``."""
    turn.say(turn.safety.disclaimer.text, choices=[turn.choice(turn.texts.start.accept, ACCEPT)])
    turn.goto(CONSENT_FLOW, CONSENT_STEP, Consent(then=then, args=args))
