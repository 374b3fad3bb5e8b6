"""Models for the core's user-facing strings (content/texts/core.yaml)."""

from __future__ import annotations

from bot.content.base import ButtonLabel, Frozen, Template
from bot.core.texts import BotTexts, CommonTexts, CoreWords

__all__ = ["BotTexts", "CommonTexts", "CoreTexts"]


class StartTexts(Frozen):
    welcome: Template
    accept: ButtonLabel
    accepted: Template
    already_accepted: Template
    must_accept: Template


class HelpTexts(Frozen):
    title: Template
    line: Template
    footer: Template


class WarmupTexts(Frozen):
    soreness_question: Template
    soreness_invalid: Template
    sharp_question: Template
    sharp_yes: ButtonLabel
    sharp_no: ButtonLabel
    gentle_reason: Template
    standard_reason: Template
    placement: Template
    drill_header: Template
    step_line: Template
    done: ButtonLabel
    skip: ButtonLabel
    stop: ButtonLabel
    summary_complete: Template
    skipped_note: Template
    summary_stopped: Template
    in_progress: Template
    already_running: Template


class PrivacyTexts(Frozen):
    export_caption: Template
    export_empty: Template
    forget_confirm: Template
    forget_yes: ButtonLabel
    forget_no: ButtonLabel
    forgotten: Template
    forget_kept: Template


class CoreTexts(CoreWords):
    start: StartTexts
    help: HelpTexts
    warmup: WarmupTexts
    privacy: PrivacyTexts
