"""Models for the strings only the Discord adapter uses (content/texts/discord.yaml)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from bot.core.content import Frozen, NonEmpty, Template

# Discord's rule for option names (^[-_\p{L}\p{N}]{1,32}$, lower case), kept to ASCII here.
OptionName = Annotated[str, StringConstraints(pattern=r"^[-_a-z0-9]{1,32}$")]
OptionDescription = Annotated[NonEmpty, StringConstraints(max_length=100)]


class TextOption(Frozen):
    name: OptionName
    description: OptionDescription
    per_command: dict[str, OptionDescription] = Field(default_factory=dict)


class DiscordTexts(Frozen):
    text_option: TextOption
    pressed: Template
    restarting: Template
    nothing_to_say: Template

    @field_validator("pressed")
    @classmethod
    def _names_the_label(cls, value: str) -> str:
        try:
            value.format(label="")
        except (KeyError, IndexError):
            raise ValueError("the only placeholder allowed is {label}") from None
        return value
