"""Models for the strings only the Telegram adapter uses (content/texts/telegram.yaml)."""

from __future__ import annotations

from pydantic import field_validator

from bot.core.content import Frozen, Template


def _only(value: str, *names: str) -> str:
    try:
        value.format(**dict.fromkeys(names, ""))
    except (KeyError, IndexError):
        allowed = ", ".join(f"{{{name}}}" for name in names) or "none"
        raise ValueError(f"placeholders allowed here: {allowed}") from None
    return value


class TelegramTexts(Frozen):
    pressed: Template
    sent_privately: Template
    dm_first: Template

    @field_validator("pressed")
    @classmethod
    def _pressed(cls, value: str) -> str:
        return _only(value, "label")

    @field_validator("sent_privately")
    @classmethod
    def _sent_privately(cls, value: str) -> str:
        return _only(value)

    @field_validator("dm_first")
    @classmethod
    def _dm_first(cls, value: str) -> str:
        return _only(value, "bot")
