"""/start, the one-time safety note, /help and the main menu's buttons."""

from __future__ import annotations

from typing import ClassVar

from bot.core.flow import CommandDef, Flow, Steps
from bot.core.ports import StartHook
from bot.core.prompts import (
    ACCEPT,
    CONSENT_FLOW,
    CONSENT_STEP,
    MENU_PREFIX,
    Consent,
    ask_consent,
    menu_command,
    send_menu,
)
from bot.core.turn import Turn
from bot.core.understanding import typed_yes
from bot.features.onboarding.texts import HelpTexts


class Onboarding(Flow):
    name = CONSENT_FLOW
    commands = (CommandDef("start", open=True), CommandDef("help", open=True))
    global_prefixes = (MENU_PREFIX,)
    steps: ClassVar[Steps] = {CONSENT_STEP: Consent}

    def __init__(self, help_texts: HelpTexts, on_start: StartHook | None = None) -> None:
        self.help_texts = help_texts
        # Run on every /start, e.g. to resume reminders paused while unreachable.
        self.on_start = on_start

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if name == "help":
            self._help(turn)
            return
        turn.user.unreachable_since = None
        if self.on_start is not None:
            await self.on_start(turn)
        # "/start warmup": a deep link from a group, to carry on with /warmup in private.
        then = args.strip().casefold()
        if then not in turn.texts.commands or then == "start":
            then = ""
        if turn.user.disclaimer_accepted_at is None:
            turn.say(turn.texts.start.welcome)
            ask_consent(turn, then=then or None)
        elif then:
            turn.redirect(then, "")
        else:
            send_menu(turn, turn.texts.start.already_accepted)

    async def text(self, turn: Turn, text: str) -> bool:
        """At the safety note, an everyday "yes" or "ok" accepts it, as the button does."""
        if typed_yes(text, turn.texts.understanding):
            await self.choice(turn, ACCEPT)
            return True
        return False

    async def choice(self, turn: Turn, action: str) -> None:
        if action != ACCEPT:
            await super().choice(turn, action)
            return
        turn.user.disclaimer_accepted_at = turn.now
        consent = turn.data(Consent)
        turn.finish()
        if consent.then is not None:
            turn.redirect(consent.then, consent.args)
        else:
            send_menu(turn, turn.texts.start.accepted)

    async def global_choice(self, turn: Turn, action: str) -> None:
        command = menu_command(action)
        if command is not None and command in turn.texts.menu:
            turn.redirect(command, "")
        else:
            await super().global_choice(turn, action)

    async def reprompt(self, turn: Turn) -> None:
        consent = turn.data(Consent)
        ask_consent(turn, consent.then, consent.args)

    def _help(self, turn: Turn) -> None:
        texts = self.help_texts
        lines = [texts.title]
        lines += [
            texts.line.format(command=name, description=description)
            for name, description in turn.texts.commands.items()
        ]
        if not turn.is_private:
            lines.append(texts.footer)
        send_menu(turn, "\n".join(lines))
