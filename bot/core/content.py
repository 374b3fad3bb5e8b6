"""Building blocks for every content model, and reading one YAML file into one.

Each feature declares the content it reads with these; ``bot.content`` puts them together.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

T = TypeVar("T")


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


def _lower_case(value: str) -> str:
    if value != value.lower():
        raise ValueError(f"vocabulary is matched in lower case: {value!r}")
    return value


Word = Annotated[NonEmpty, AfterValidator(_lower_case)]
"""A word the coach reads in what runners type: matched in lower case, so written so."""
Words = tuple[Word, ...]


class Source(Frozen):
    """Where a fact comes from: the seed article, or a cited public source."""

    title: NonEmpty
    url: NonEmpty | None = None


Sources = dict[Identifier, Source]


class SafetyNote(Frozen):
    text: Template
    sources: tuple[Identifier, ...] = Field(min_length=1)


class Safety(Frozen):
    """The safety notes every feature may need: before anything starts, and on pain."""

    disclaimer: SafetyNote
    sharp_pain: SafetyNote
    very_sore: SafetyNote


class ContentError(Exception):
    """A content file is missing, unreadable or invalid; the message says where and why."""


def read_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None


def load_file(path: Path, model: type[T]) -> T:
    """Validate one YAML file against ``model`` (a pydantic model or any type)."""
    data = read_yaml(path)
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(data)
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        raise ContentError(_describe(path, exc)) from None


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{path}: {field}: {error['msg']}")
    return "\n".join(lines)
