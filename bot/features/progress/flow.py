"""/progress: warm-ups this week and month, the streak, soreness and recurring areas."""

from __future__ import annotations

from datetime import timedelta

from bot.core.calendar import local_day, periods, start_of_day, streak, zone_or_utc
from bot.core.flow import CommandDef, Flow
from bot.core.ports import AreaHistory, WarmupHistory
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.wording import join_words
from bot.features.progress.texts import ProgressTexts

NAME = "progress"
STREAK_LOOKBACK = timedelta(days=400)
SORENESS_DAYS = 7
TOP_AREAS = 3


class Progress(Flow):
    name = NAME
    commands = (CommandDef("progress", personal=True),)

    def __init__(
        self,
        texts: ProgressTexts,
        warmups: StoreFactory[WarmupHistory],
        areas: AreaHistory,
    ) -> None:
        self.texts = texts
        self.warmups = warmups
        self.areas = areas

    async def command(self, turn: Turn, name: str, args: str) -> None:
        words = self.texts
        tz = zone_or_utc(turn.user.time_zone)
        when = periods(turn.now, tz)
        history = turn.store(self.warmups)

        warmups = await history.completed_warmups(turn.user.id, turn.now - STREAK_LOOKBACK)
        soreness = await history.soreness_since(
            turn.user.id, start_of_day(when.today - timedelta(days=SORENESS_DAYS - 1), tz)
        )
        window = words.repeat_window_days
        window_start = start_of_day(when.today - timedelta(days=window - 1), tz)
        reported = await self.areas(turn, window_start, tz)
        if not (warmups or soreness or reported.reported):
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
        if soreness:
            lines.append(words.soreness.format(values=", ".join(str(v) for v in soreness)))
        else:
            lines.append(words.no_soreness)

        ranked = reported.ranked
        if ranked:
            shown = [
                (words.area_count_one if area.days == 1 else words.area_count).format(
                    area=area.name, days=area.days
                )
                for area in ranked[:TOP_AREAS]
            ]
            lines.append(words.areas.format(areas=join_words(shown), window=window))
        else:
            lines.append(words.no_areas.format(window=window))
        for area in ranked:
            if area.days >= words.repeat_days:
                lines.append(words.look_at_it.format(area=area.name, days=area.days, window=window))
        turn.say("\n".join(lines), private=True)
