"""/checkin: how long after a planned run the coach asks how it went, or off."""

from __future__ import annotations

from bot.core.flow import CommandDef, Flow
from bot.core.turn import Turn
from bot.core.understanding import read_amount, spell_numbers, typed_phrase
from bot.features.reminders.checkin_store import CheckinRepository
from bot.features.reminders.checkin_timing import (
    DEFAULT_DELAY_MINUTES,
    MAX_DELAY_MINUTES,
    MIN_DELAY_MINUTES,
)
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.texts import ReminderTexts

_MINUTES = ("minutes", "minute", "mins", "min", "m")


class CheckinSettings(Flow):
    name = "checkin_settings"
    commands = (CommandDef("checkin", takes_text=True, switches=False),)

    def __init__(self, texts: ReminderTexts, options: ReminderOptions) -> None:
        self.words = texts.checkin
        self.default = options.checkin_delay_minutes

    async def command(self, turn: Turn, name: str, args: str) -> None:
        words = self.words
        repo = turn.store(CheckinRepository)
        typed = args.strip().lower()
        if not typed:
            has, chosen = await repo.delay_of(turn.user.id)
            current = chosen if has else self.default
            text = words.status_off if current is None else words.status_on
            turn.say(text.format(minutes=current))
            return
        picked = typed_phrase(typed, [words.off_words, words.on_words])
        if picked == 0:
            await repo.set_delay(turn.user.id, None, turn.now)
            turn.say(words.set_off)
            return
        if picked == 1:
            minutes: int | None = self.default or DEFAULT_DELAY_MINUTES
        else:
            minutes = self._minutes(typed, turn)
        if minutes is None:
            turn.say(words.invalid.format(low=MIN_DELAY_MINUTES, high=MAX_DELAY_MINUTES))
            return
        await repo.set_delay(turn.user.id, minutes, turn.now)
        turn.say(words.set_on.format(minutes=minutes))

    def _minutes(self, typed: str, turn: Turn) -> int | None:
        """ "60", "90 mins", "sixty", "about 45", "an hour", "2 hours", "after 3h"."""
        words = self.words
        said = " ".join(typed.replace("after", " ").split())
        if said in words.hours:
            return words.hours[said]
        tokens = spell_numbers(said, turn.texts.understanding).split()
        if tokens:
            last = tokens[-1]
            for unit in sorted((*words.hour_units, *_MINUTES), key=len, reverse=True):
                if last != unit and last.endswith(unit) and last[: -len(unit)].isdecimal():
                    tokens[-1:] = [last[: -len(unit)], unit]  # "2h", "90mins"
                    break
        per = 1
        if tokens and tokens[-1] in words.hour_units:
            tokens, per = tokens[:-1], 60
        elif tokens and tokens[-1] in _MINUTES:
            tokens = tokens[:-1]
        value = read_amount(" ".join(tokens), 0, MAX_DELAY_MINUTES, turn.texts.understanding)
        minutes = value * per if value is not None else None
        if minutes is None or not MIN_DELAY_MINUTES <= minutes <= MAX_DELAY_MINUTES:
            return None
        return minutes
