"""The words of /export and /forget (the "privacy" section of content/texts/core.yaml)."""

from __future__ import annotations

from bot.core.content import ButtonLabel, Frozen, NonEmpty, Template


class PrivacyTexts(Frozen):
    export_caption: Template
    forget_confirm: Template
    forget_yes: ButtonLabel
    forget_no: ButtonLabel
    forgotten: Template
    forget_kept: Template
    forget_yes_words: tuple[NonEmpty, ...] = ()
    forget_no_words: tuple[NonEmpty, ...] = ()
    # Typed at "Are you sure?" but neither a yes nor a no.
    forget_which: Template
