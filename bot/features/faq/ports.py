"""What the FAQ offers the core, through its ports."""

from __future__ import annotations

from bot.features.faq.content import FaqContent
from bot.features.faq.matcher import FaqMatcher


class FaqReplies:
    """The core's ``FaqAnswers``: the answer to a general question the FAQ covers."""

    def __init__(self, content: FaqContent) -> None:
        self.matcher = FaqMatcher(content)

    def __call__(self, text: str) -> str | None:
        hit = self.matcher.answer(text)
        return hit.entry.answer if hit is not None else None
