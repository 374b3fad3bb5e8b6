"""Building blocks shared by every content model."""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


class Frozen(BaseModel):
    """Content is read once at start and never changes; unknown keys are typos."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _valid_template(value: str) -> str:
    # Parse now so a stray brace fails at start, not in front of a user.
    for _, field_name, format_spec, _ in string.Formatter().parse(value):
        if field_name is not None and (not field_name.isidentifier() or format_spec):
            raise ValueError(f"placeholders must look like {{name}}, got {{{field_name}}}")
    return value


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Template = Annotated[NonEmpty, AfterValidator(_valid_template)]
"""A user-facing string; ``{name}`` placeholders are filled with ``str.format``."""

ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class Source(Frozen):
    """Where a fact comes from: the seed article, or a cited public source."""

    title: NonEmpty
    url: NonEmpty | None = None
