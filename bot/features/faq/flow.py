"""The buttons under "Did you mean …?": each answers its FAQ entry."""

from __future__ import annotations

from bot.core.flow import Flow
from bot.core.turn import Turn
from bot.features.faq.content import FaqContent
from bot.features.faq.ports import PREFIX


class FaqButtons(Flow):
    """No commands and no steps: only the global ``faq.<id>`` buttons."""

    name = "faq"
    global_prefixes = (PREFIX,)

    def __init__(self, content: FaqContent) -> None:
        self.answers = {entry.id: entry.answer for entry in content.entries}

    async def global_choice(self, turn: Turn, action: str) -> None:
        answer = self.answers.get(action.removeprefix(PREFIX))
        if answer is None:
            turn.notice = turn.texts.common.unknown_button
            return
        turn.say(answer)
