"""The words of /export and /forget (the "privacy" section of content/texts/core.yaml)."""

from __future__ import annotations

from bot.core.content import ButtonLabel, Frozen, Template


class PrivacyTexts(Frozen):
    export_caption: Template
    forget_confirm: Template
    forget_yes: ButtonLabel
    forget_no: ButtonLabel
    forgotten: Template
    forget_kept: Template
