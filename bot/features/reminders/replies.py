"""Snooze and Skip typed right after a reminder message ("later", "not today")."""

from __future__ import annotations

from bot.core.turn import Turn
from bot.core.understanding import typed_phrase
from bot.features.reminders.actions import ReminderActions
from bot.features.reminders.texts import ReminderTexts


class ReminderReplyPass:
    """A core ``TextPass``: with no step in progress and a reminder the coach's newest
    word here, its Snooze or Skip in words does what the button does. Heard before the
    plain-word requests, so "remind me later" snoozes rather than starting a reminder."""

    name = "reminder_reply"

    def __init__(self, texts: ReminderTexts, actions: ReminderActions) -> None:
        self.texts = texts
        self.actions = actions

    async def __call__(self, turn: Turn, text: str) -> bool:
        if not turn.state.idle:
            return False
        fire = self.texts.fire
        picked = typed_phrase(text, [fire.snooze_words, fire.skip_words])
        if picked is None:
            return False
        delivered = await self.actions.just_delivered(turn)
        if delivered is None:
            return False
        reminder_id, delivery_id = delivered
        if picked == 0:
            await self.actions.snooze(turn, reminder_id, delivery_id)
        else:
            await self.actions.skip(turn, reminder_id, delivery_id)
        return True
