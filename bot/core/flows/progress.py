"""/progress: warm-ups this week and month, the streak, soreness and recurring areas."""

from __future__ import annotations

from datetime import timedelta

from bot.core.flows.base import Flow
from bot.core.tight.progress import (
    area_days,
    local_day,
    most_reported,
    periods,
    start_of_day,
    streak,
    zone,
)
from bot.core.tight.render import area_name, join_words
from bot.core.turn import Turn
from bot.storage.reports_repo import TightReportRepository
from bot.storage.repository import WarmupRepository

NAME = "progress"
STREAK_LOOKBACK = timedelta(days=400)
SORENESS_DAYS = 7
TOP_AREAS = 3


class Progress(Flow):
    name = NAME
    commands = ("progress",)

    async def command(self, turn: Turn, name: str, args: str) -> None:
        content = turn.content.tight
        words = content.words.progress
        settings = content.words
        tz = zone(turn.user.time_zone)
        when = periods(turn.now, tz)
        history = turn.repo(WarmupRepository)

        warmups = await history.completed_warmups(turn.user.id, turn.now - STREAK_LOOKBACK)
        checkins = await history.checkins(
            turn.user.id, start_of_day(when.today - timedelta(days=SORENESS_DAYS - 1), tz)
        )
        window = settings.repeat_window_days
        window_start = start_of_day(when.today - timedelta(days=window - 1), tz)
        reports = await turn.repo(TightReportRepository).since(turn.user.id, window_start)
        if not (warmups or checkins or reports):
            turn.say(words.nothing_yet, private=True)
            return

        week = sum(1 for started in warmups if started >= when.week_start)
        month = sum(1 for started in warmups if started >= when.month_start)
        days = streak({local_day(started, tz) for started in warmups}, when.today)
        lines = [words.title, words.warmups.format(week=week, month=month)]
        if days:
            lines.append((words.streak_one if days == 1 else words.streak).format(days=days))
        else:
            lines.append(words.no_streak)
        if checkins:
            values = ", ".join(str(checkin.soreness) for checkin in checkins)
            lines.append(words.soreness.format(values=values))
        else:
            lines.append(words.no_soreness)

        by_area = area_days(
            ((r.created_at, [str(i["area"]) for i in r.areas if i.get("area")]) for r in reports),
            tz,
        )
        ranked = [
            (area, count)
            for area, count in most_reported(by_area, content.area_ids())
            if area in content.smr.areas
        ]
        if ranked:
            shown = [
                (words.area_count_one if count == 1 else words.area_count).format(
                    area=area_name(content, area), days=count
                )
                for area, count in ranked[:TOP_AREAS]
            ]
            lines.append(words.areas.format(areas=join_words(shown), window=window))
        else:
            lines.append(words.no_areas.format(window=window))
        for area, count in ranked:
            if count >= settings.repeat_days:
                lines.append(
                    words.look_at_it.format(
                        area=area_name(content, area), days=count, window=window
                    )
                )
        turn.say("\n".join(lines), private=True)
