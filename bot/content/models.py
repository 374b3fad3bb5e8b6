"""The root content model: everything the coach knows and says, loaded once.

Each part is the model its feature (or adapter) declares; this puts them together and
checks the references between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.adapters.discord.texts import DiscordTexts
from bot.adapters.telegram.texts import TelegramTexts
from bot.content.texts import CoreTexts
from bot.core.content import Safety, Sources
from bot.features.checkins.content import CheckinContent
from bot.features.clubs.texts import ClubTexts
from bot.features.faq.content import FaqContent
from bot.features.progress.texts import ProgressTexts
from bot.features.reminders.texts import ReminderTexts
from bot.features.safety.content import EmergencyContent
from bot.features.tight.content import TightContent
from bot.features.warmup.content import DrillBook, RollingRoutine, Routine, quick_problems
from bot.media.library import MediaContent
from bot.media.motion import problems as pose_problems


@dataclass(frozen=True, slots=True)
class Content:
    directory: Path
    sources: Sources
    drills: DrillBook
    routine: Routine
    safety: Safety
    texts: CoreTexts
    discord_texts: DiscordTexts
    reminder_texts: ReminderTexts
    tight: TightContent
    telegram_texts: TelegramTexts
    progress: ProgressTexts
    faq: FaqContent
    emergency: EmergencyContent
    media: MediaContent
    clubs: ClubTexts
    checkins: CheckinContent
    rolling: RollingRoutine

    def cross_check(self) -> list[str]:
        """References between files; each problem names file and field."""
        problems: list[str] = []
        known = set(self.sources)

        def need_source(where: str, source_id: str | None) -> None:
            if source_id is not None and source_id not in known:
                problems.append(f"{where}: unknown source {source_id!r} (see sources.yaml)")

        need_source("drills.yaml: placement.source", self.drills.placement.source)
        for index, drill in enumerate(self.drills.drills):
            need_source(f"drills.yaml: drills.{index}.source", drill.source)
            need_source(f"drills.yaml: drills.{index}.gentle.source", drill.gentle.source)
            need_source(f"drills.yaml: drills.{index}.standard.source", drill.standard.source)
        drill_ids = {drill.id for drill in self.drills.drills}
        for index, drill_id in enumerate(self.routine.drills):
            if drill_id not in drill_ids:
                problems.append(f"routines.yaml: drills.{index}: unknown drill {drill_id!r}")
        for name, note in (
            ("disclaimer", self.safety.disclaimer),
            ("sharp_pain", self.safety.sharp_pain),
            ("very_sore", self.safety.very_sore),
        ):
            for source_id in note.sources:
                need_source(f"safety.yaml: {name}.sources", source_id)
        problems += quick_problems(self.drills, self.routine)
        need_source("rolling.yaml: source", self.rolling.source)
        for index, area in enumerate(self.checkins.areas):
            need_source(f"checkins.yaml: areas.{index}.source", area.source)
        for source_id in self.checkins.words.pain_sources:
            need_source("checkins.yaml: words.pain_sources", source_id)
        problems += self._media_problems()
        return problems

    def _media_problems(self) -> list[str]:
        """Every drill variant has a demo whose poses stay above the floor; every
        tight-spot area has a place on the body map."""
        poses = self.media.poses
        problems = [f"poses.yaml: {problem}" for problem in pose_problems(poses)]
        for drill in self.drills.drills:
            for variant in ("standard", "gentle"):
                if poses.demo(drill.id, variant) is None:
                    problems.append(f"poses.yaml: demos.{drill.id}.{variant}: missing")
        known = set(self.media.body_map.areas)
        for area in self.tight.vocabulary.areas:
            if area.id not in known:
                problems.append(f"body_map.yaml: areas.{area.id}: missing")
        return problems
