"""The words and thresholds of /progress (content/texts/progress.yaml)."""

from __future__ import annotations

from pydantic import Field

from bot.core.content import Frozen, NonEmpty, Template


class ChartTexts(Frozen):
    """The words on the /progress picture."""

    calendar_title: Template  # {weeks}
    soreness_title: NonEmpty
    areas_title: Template  # {window}
    no_checkins: NonEmpty
    no_areas: NonEmpty
    weekdays: tuple[NonEmpty, ...] = Field(min_length=7, max_length=7)  # from Monday
    days_axis: NonEmpty
    alt: Template  # {weeks}, {warmups}, {checkins}, {window}


class ProgressTexts(Frozen):
    title: NonEmpty
    warmups: Template
    streak: Template
    streak_one: Template
    no_streak: NonEmpty
    soreness: Template
    no_soreness: NonEmpty
    areas: Template
    no_areas: Template
    area_count: Template
    area_count_one: Template
    look_at_it: Template
    nothing_yet: NonEmpty
    # The same area on this many days in the window brings "have it looked at".
    repeat_days: int = Field(ge=2, le=14)
    repeat_window_days: int = Field(ge=3, le=60)
    chart: ChartTexts
