"""/progress: warm-ups this week and month, the streak, soreness and recurring areas."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from bot.core.calendar import local_day, periods, start_of_day, streak, zone_or_utc
from bot.core.drawings import ChartWords, ProgressChart
from bot.core.flow import CommandDef, Flow
from bot.core.messages import ImageRef
from bot.core.ports import AreaHistory, CheckinLines, ReportedAreas, WarmupHistory
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.wording import join_words
from bot.features.progress.texts import ProgressTexts

NAME = "progress"
STREAK_LOOKBACK = timedelta(days=400)
SORENESS_DAYS = 7
TOP_AREAS = 3
CHART_WEEKS = 8


class Progress(Flow):
    name = NAME
    commands = (CommandDef("progress", personal=True),)

    def __init__(
        self,
        texts: ProgressTexts,
        warmups: StoreFactory[WarmupHistory],
        areas: AreaHistory,
        checkins: CheckinLines | None = None,
    ) -> None:
        self.texts = texts
        self.warmups = warmups
        self.areas = areas
        # After-run check-ins in the same window as the recurring areas.
        self.checkins = checkins

    async def command(self, turn: Turn, name: str, args: str) -> None:
        words = self.texts
        tz = zone_or_utc(turn.user.time_zone)
        when = periods(turn.now, tz)
        history = turn.store(self.warmups)

        warmups = await history.completed_warmups(turn.user.id, turn.now - STREAK_LOOKBACK)
        first_monday = when.today - timedelta(days=when.today.weekday(), weeks=CHART_WEEKS - 1)
        recent_start = start_of_day(when.today - timedelta(days=SORENESS_DAYS - 1), tz)
        checkins = await history.soreness_since(
            turn.user.id, min(start_of_day(first_monday, tz), recent_start)
        )
        soreness = [value for moment, value in checkins if moment >= recent_start]
        window = words.repeat_window_days
        window_start = start_of_day(when.today - timedelta(days=window - 1), tz)
        reported = await self.areas(turn, window_start, tz)
        after_runs = await self.checkins(turn, window_start, tz) if self.checkins else []
        if not (warmups or soreness or reported.reported or after_runs):
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
        lines += after_runs
        chart = self._chart(when.today, tz, warmups, checkins, reported)
        turn.say("\n".join(lines), private=True, image=chart, bold=(words.title,))

    def _chart(
        self,
        today: date,
        tz: tzinfo,
        warmups: list[datetime],
        checkins: list[tuple[datetime, int]],
        reported: ReportedAreas,
    ) -> ImageRef:
        """The same history as a picture: the calendar, soreness over time, the areas."""
        words = self.texts
        chart = words.chart
        window = words.repeat_window_days
        days = {local_day(started, tz) for started in warmups}
        first = today - timedelta(days=today.weekday(), weeks=CHART_WEEKS - 1)
        shown = tuple(sorted(day for day in days if day >= first))
        drawing = ProgressChart(
            today=today,
            weeks=CHART_WEEKS,
            warmup_days=shown,
            soreness=tuple((moment.astimezone(tz), value) for moment, value in checkins),
            areas=tuple((area.name, area.days) for area in reported.ranked),
            words=ChartWords(
                calendar_title=chart.calendar_title.format(weeks=CHART_WEEKS),
                soreness_title=chart.soreness_title,
                areas_title=chart.areas_title.format(window=window),
                no_checkins=chart.no_checkins,
                no_areas=chart.no_areas,
                weekdays=chart.weekdays,
                days_axis=chart.days_axis,
            ),
        )
        alt = chart.alt.format(
            weeks=CHART_WEEKS, warmups=len(shown), checkins=len(checkins), window=window
        )
        return ImageRef("progress.png", alt, drawing=drawing)
