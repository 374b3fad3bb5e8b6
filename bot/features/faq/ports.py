"""What the FAQ offers the core, through its ports."""

from __future__ import annotations

from bot.core.understanding import FaqReply
from bot.features.faq.content import FaqContent
from bot.features.faq.matcher import FaqMatcher

PREFIX = "faq."
"""A "Did you mean …?" button: answer that entry (``faq.<entry id>``)."""


class FaqReplies:
    """The core's ``FaqAnswers``: the answer to a general question the FAQ covers, or the
    one or two questions it most likely means."""

    def __init__(self, content: FaqContent) -> None:
        self.matcher = FaqMatcher(content)

    def __call__(self, text: str) -> FaqReply | None:
        hit = self.matcher.answer(text)
        if hit is not None:
            return FaqReply(answer=hit.entry.answer)
        maybe = self.matcher.suggest(text)
        if not maybe:
            return None
        return FaqReply(maybe=tuple((entry.question, f"{PREFIX}{entry.id}") for entry in maybe))
