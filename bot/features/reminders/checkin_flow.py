"""/checkin: how long after a planned run the coach asks how it went, or off."""

from __future__ import annotations

from bot.core.flow import CommandDef, Flow
from bot.core.numbers import read_number
from bot.core.turn import Turn
from bot.features.reminders.checkin_store import CheckinRepository
from bot.features.reminders.checkin_timing import (
    DEFAULT_DELAY_MINUTES,
    MAX_DELAY_MINUTES,
    MIN_DELAY_MINUTES,
)
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.texts import ReminderTexts

_OFF = {"off", "stop", "no", "never", "0"}
_ON = {"on", "yes", "start"}


class CheckinSettings(Flow):
    name = "checkin_settings"
    commands = (CommandDef("checkin", takes_text=True, switches=False),)

    def __init__(self, texts: ReminderTexts, options: ReminderOptions) -> None:
        self.words = texts.checkin
        self.default = options.checkin_delay_minutes

    async def command(self, turn: Turn, name: str, args: str) -> None:
        words = self.words
        repo = turn.store(CheckinRepository)
        typed = args.strip().lower().removesuffix("min").removesuffix("minutes").strip()
        if not typed:
            has, chosen = await repo.delay_of(turn.user.id)
            current = chosen if has else self.default
            text = words.status_off if current is None else words.status_on
            turn.say(text.format(minutes=current))
            return
        if typed in _OFF:
            await repo.set_delay(turn.user.id, None, turn.now)
            turn.say(words.set_off)
            return
        if typed in _ON:
            minutes: int | None = self.default or DEFAULT_DELAY_MINUTES
        else:
            minutes = read_number(typed, MIN_DELAY_MINUTES, MAX_DELAY_MINUTES, out_of=False)
        if minutes is None:
            turn.say(words.invalid.format(low=MIN_DELAY_MINUTES, high=MAX_DELAY_MINUTES))
            return
        await repo.set_delay(turn.user.id, minutes, turn.now)
        turn.say(words.set_on.format(minutes=minutes))
