"""The red-flag pass of the core's understanding step, on the tight-spot reader's triage."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.ports import EmergencyWords
from bot.core.turn import Turn
from bot.features.tight.content import TightContent
from bot.features.tight.reader import Reader
from bot.features.tight.render import triage_message

RED_FLAG = "red_flag"


class RedFlagPass:
    """A core ``TextPass``: a red flag typed at any step stops what is running.

    The current flow is left with reason ``red_flag`` (a warm-up is saved as stopped), and
    only the triage message follows: no drills, no rolling. ``in_warmup`` says whether the
    runner is in a pre-run warm-up, where the message speaks of stopping the drills.
    """

    name = RED_FLAG

    def __init__(
        self,
        content: TightContent,
        reader: Reader,
        emergency: EmergencyWords,
        in_warmup: Callable[[Turn], bool] | None = None,
    ) -> None:
        self.content = content
        self.reader = reader
        self.emergency = emergency
        self.in_warmup = in_warmup

    async def __call__(self, turn: Turn, text: str) -> bool:
        # Every typed message passes here first, so only the cheap triage part of a reading.
        triage = self.reader.red_flags(text)
        if triage.level is None:
            return False
        in_warmup = self.in_warmup is not None and self.in_warmup(turn)
        await turn.leave(RED_FLAG)
        message = triage_message(self.content, triage, self.emergency(turn), in_warmup=in_warmup)
        turn.say(message, private=True)
        return True
