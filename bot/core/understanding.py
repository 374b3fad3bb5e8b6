"""The understanding step: what every typed message passes through before any flow.

The app wires an ordered list of passes; the engine offers each typed message to them
in turn, and the first that handles it ends the step. A red flag ("sharp pain in my
hip") must be heard in every state, so it cannot be left to whichever flow is current.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.core.texts import UnderstandingTexts
from bot.core.turn import Turn

log = logging.getLogger(__name__)


class TextPass(Protocol):
    """One pass of the understanding step. ``name`` explains a decision in the logs."""

    @property
    def name(self) -> str: ...

    async def __call__(self, turn: Turn, text: str) -> bool:
        """Handle ``text`` and return True, or leave it to the passes after."""
        ...


class FaqAnswers(Protocol):
    """The FAQ's answer to a general question, or ``None``. Implemented by the FAQ feature."""

    def __call__(self, text: str) -> str | None: ...


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


def plain_words(text: str) -> str:
    """Lower case, punctuation and emoji dropped, spaces collapsed: "Thanks!!" -> "thanks"."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


LABEL_CUTOFF = 85.0
"""Least similarity (0-100) for typed words to name a button: "very sor" is Very sore,
"sorry" is nothing."""


def typed_label(text: str, labels: Sequence[str]) -> int | None:
    """Which of a step's button ``labels`` the runner typed, allowing a typo ("a bit stif",
    "LOOSE") or the label's first words ("mild" for "Mild (3)", "no, just stiff" for "No,
    just stiff or fine"), by index; ``None`` when none is close or two are equally close."""
    typed = plain_words(text)
    if not typed:
        return None
    plain = [plain_words(label) for label in labels]
    if len(typed) >= TYPO_PREFIX:
        # At least half of the label: "very" alone is not "very sore".
        starting = [
            i
            for i, label in enumerate(plain)
            if f"{label} ".startswith(f"{typed} ") and 2 * len(typed) >= len(label)
        ]
        if len(starting) == 1:
            return starting[0]
    found = process.extract(typed, plain, scorer=fuzz.ratio, score_cutoff=LABEL_CUTOFF, limit=2)
    if not found or (len(found) > 1 and found[1][1] == found[0][1]):
        return None
    return found[0][2]


TYPO_PREFIX = 4
"""Typed words this long may name a button by its first words."""


class SocialPass:
    """Greetings and thanks, answered briefly. Nothing else changes: the state and the
    buttons of the step in progress stay as they were, so they still work."""

    name = "social"

    def __init__(self, words: UnderstandingTexts) -> None:
        self.words = words
        self._greetings = frozenset(plain_words(w) for w in words.greetings)
        self._thanks = frozenset(plain_words(w) for w in words.thanks)

    async def __call__(self, turn: Turn, text: str) -> bool:
        plain = plain_words(text)
        if plain in self._greetings:
            turn.say(self.words.greeting_reply)
            return True
        if plain in self._thanks:
            turn.say(self.words.thanks_reply)
            return True
        return False


class FaqPass:
    """A general question the FAQ answers ("why warm up before a run?")."""

    name = "faq"

    def __init__(self, answers: FaqAnswers) -> None:
        self.answers = answers

    async def __call__(self, turn: Turn, text: str) -> bool:
        answer = self.answers(text)
        if answer is None:
            return False
        turn.say(answer)
        return True
