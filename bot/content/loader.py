"""Reads content/*.yaml into frozen models, failing early with file, field and reason."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.discord.texts import DiscordTexts
from bot.adapters.telegram.texts import TelegramTexts
from bot.content.models import Content
from bot.content.texts import CoreTexts
from bot.core.content import ContentError, Safety, Sources, load_file
from bot.features.checkins.content import CheckinContent
from bot.features.clubs.texts import ClubTexts
from bot.features.faq.content import load_faq_content
from bot.features.progress.texts import ProgressTexts
from bot.features.reminders.texts import ReminderTexts
from bot.features.safety.content import load_emergency_content
from bot.features.tight.content import load_tight_content
from bot.features.warmup.content import DrillBook, RollingRoutine, Routine
from bot.media.body import BodyMapContent
from bot.media.library import MediaContent
from bot.media.poses import PoseBook

__all__ = ["ContentError", "load_content", "load_file"]


def load_content(directory: Path) -> Content:
    """Load and cross-check every content file under ``directory``."""
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
        progress=load_file(directory / "texts" / "progress.yaml", ProgressTexts),
        clubs=load_file(directory / "texts" / "clubs.yaml", ClubTexts),
        faq=load_faq_content(directory / "faq.yaml"),
        emergency=load_emergency_content(directory / "emergency.yaml"),
        media=MediaContent(
            poses=load_file(directory / "poses.yaml", PoseBook),
            body_map=load_file(directory / "body_map.yaml", BodyMapContent),
        ),
        checkins=load_file(directory / "checkins.yaml", CheckinContent),
        rolling=load_file(directory / "rolling.yaml", RollingRoutine),
    )
    problems = content.cross_check()
    if problems:
        raise ContentError("\n".join(f"{directory}/{problem}" for problem in problems))
    return content
