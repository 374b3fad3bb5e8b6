"""Re-exported from :mod:`bot.core.content`."""

from bot.core.content import (
    ButtonLabel,
    Frozen,
    Identifier,
    NonEmpty,
    Source,
    Sources,
    Template,
)

__all__ = ["ButtonLabel", "Frozen", "Identifier", "NonEmpty", "Source", "Sources", "Template"]
