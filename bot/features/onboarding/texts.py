"""The words of /help (the "help" section of content/texts/core.yaml)."""

from __future__ import annotations

from bot.core.content import Frozen, Template


class HelpTexts(Frozen):
    title: Template
    line: Template
    footer: Template
