"""What tight spots offer other features, through the core's ports.

- :class:`TailoredPrelude`: rolling before a warm-up's drills for areas reported lately;
- :class:`ReportedAreaHistory`: the areas /progress counts;
- :class:`ReminderFocusLines`: the areas a reminder mentions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo

from bot.core.ports import AreaTally, Prelude, ReportedAreas
from bot.core.stores import Database, StoreFactory
from bot.core.turn import Turn
from bot.features.tight.content import SIDES, RollPlan, TightContent
from bot.features.tight.history import area_days, most_reported
from bot.features.tight.reading import AreaReading
from bot.features.tight.render import area_name, area_names, plan_areas
from bot.features.tight.store import TightReportRepository, TightStore

PRELUDE_AREAS = 3
"""At most this many areas get rolling before a warm-up: it is a warm-up, not a session."""


class TailoredPrelude:
    """The core's ``WarmupPrelude``.

    A recent report of pain, or of strong tightness, makes the drills gentle even on a
    good day.
    """

    def __init__(
        self, content: TightContent, store: StoreFactory[TightStore] = TightReportRepository
    ) -> None:
        self.content = content
        self.store = store

    async def __call__(
        self, turn: Turn, soreness: int, gentle: bool, gentle_from: int
    ) -> Prelude | None:
        content = self.content
        words = content.words.warmup_prelude
        since = turn.now - timedelta(days=content.words.prelude_window_days)
        reports = await turn.store(self.store).since(turn.user.id, since)
        if not reports:
            return None
        recent: dict[str, AreaReading] = {}
        for report in reversed(reports):
            for item in report.areas:
                area_id, side = item.get("area"), item.get("side")
                if area_id in content.smr.areas and area_id not in recent:
                    recent[area_id] = AreaReading(
                        area_id, next((s for s in SIDES if s == side), None)
                    )
        if not recent:
            return None
        areas = list(recent.values())[:PRELUDE_AREAS]
        strong = any(r.kind == "pain" or (r.intensity or 0) >= gentle_from for r in reports)
        names = area_names(content, areas)
        if gentle:
            reason = words.reason_both.format(areas=names, score=soreness)
        elif strong:
            reason = words.reason_gentle.format(areas=names)
        else:
            reason = words.reason_areas.format(areas=names)
        lines = [words.intro]
        for area in plan_areas(content, areas)[:PRELUDE_AREAS]:
            plan = content.smr.areas[area.area]
            assert isinstance(plan, RollPlan)  # plan_areas swaps joints and spine for neighbours
            title = content.vocabulary.area(area.area).label
            lines.append("• " + words.roll_step.format(title=title, tool=plan.tool, time=plan.time))
        lines.append(content.smr.basics)
        lines.append(content.smr.avoid_everywhere)
        return Prelude(reason=reason, rolling="\n".join(lines), gentle=gentle or strong)


class ReportedAreaHistory:
    """The core's ``AreaHistory``: areas with a release plan, most local days first."""

    def __init__(
        self, content: TightContent, store: StoreFactory[TightStore] = TightReportRepository
    ) -> None:
        self.content = content
        self.store = store

    async def __call__(self, turn: Turn, since: datetime, tz: tzinfo) -> ReportedAreas:
        content = self.content
        reports = await turn.store(self.store).since(turn.user.id, since)
        by_area = area_days(
            ((r.created_at, [str(i["area"]) for i in r.areas if i.get("area")]) for r in reports),
            tz,
        )
        ranked = tuple(
            AreaTally(area_name(content, area), count)
            for area, count in most_reported(by_area, content.area_ids())
            if area in content.smr.areas
        )
        return ReportedAreas(reported=bool(reports), ranked=ranked)


class ReminderFocusLines:
    """The core's ``ReminderFocus``: each runner's most reported areas, in words."""

    def __init__(self, database: Database, content: TightContent) -> None:
        self.database = database
        self.content = content

    async def __call__(self, owner_ids: Sequence[int], since: datetime) -> Mapping[int, str]:
        async with self.database.transaction() as tx:
            found = await TightReportRepository(tx).focus_by_user(owner_ids, since)
        return {owner: area_names(self.content, areas) for owner, areas in found.items() if areas}
