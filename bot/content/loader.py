"""Reads content/*.yaml into frozen models, failing early with file, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.content.models import Content

T = TypeVar("T")


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


def load_content(directory: Path) -> Content:
    """Load and cross-check every content file under ``directory``."""
    from bot.content.discord_texts import DiscordTexts
    from bot.content.drills import DrillBook, Routine, Safety, Sources
    from bot.content.reminder_texts import ReminderTexts
    from bot.content.telegram_texts import TelegramTexts
    from bot.content.texts import CoreTexts
    from bot.content.tight_models import load_tight_content

    content = Content(
        directory=directory,
        sources=load_file(directory / "sources.yaml", Sources),
        drills=load_file(directory / "drills.yaml", DrillBook),
        routine=load_file(directory / "routines.yaml", Routine),
        safety=load_file(directory / "safety.yaml", Safety),
        texts=load_file(directory / "texts" / "core.yaml", CoreTexts),
        discord_texts=load_file(directory / "texts" / "discord.yaml", DiscordTexts),
        reminder_texts=load_file(directory / "texts" / "reminders.yaml", ReminderTexts),
        telegram_texts=load_file(directory / "texts" / "telegram.yaml", TelegramTexts),
        tight=load_tight_content(directory),
    )
    problems = content.cross_check()
    if problems:
        raise ContentError("\n".join(f"{directory}/{problem}" for problem in problems))
    return content
