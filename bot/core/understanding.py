"""The understanding step: what every typed message passes through before any flow.

The app wires an ordered list of passes; the engine offers each typed message to them
in turn, and the first that handles it ends the step. A red flag ("sharp pain in my
hip") must be heard in every state, so it cannot be left to whichever flow is current.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.core.turn import Turn

log = logging.getLogger(__name__)


class TextPass(Protocol):
    """One pass of the understanding step. ``name`` explains a decision in the logs."""

    @property
    def name(self) -> str: ...

    async def __call__(self, turn: Turn, text: str) -> bool:
        """Handle ``text`` and return True, or leave it to the passes after."""
        ...


class Understanding:
    """The ordered passes; ``hear`` says which one handled a message, if any."""

    def __init__(self, passes: Sequence[TextPass] = ()) -> None:
        self.passes = tuple(passes)

    async def hear(self, turn: Turn, text: str) -> str | None:
        for text_pass in self.passes:
            if await text_pass(turn, text):
                # Never the text itself: runners' words about their bodies stay out of logs.
                log.debug(
                    "understood pass=%s flow=%s step=%s",
                    text_pass.name,
                    turn.state.flow,
                    turn.state.step,
                )
                return text_pass.name
        return None
