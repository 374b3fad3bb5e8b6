"""Models for content/texts/reminders.yaml: reminder and time-zone words, input vocabulary."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from bot.core.calendar import known_zone
from bot.core.content import ButtonLabel, Frozen, NonEmpty, Template, Words
from bot.features.reminders.parsing import Vocabulary
from bot.features.reminders.rules import MAX_LEAD_MINUTES


class SpokenClock(Frozen):
    """A run time said in words: "half past six", "7 in the morning", "noon"."""

    hedges: Words = ()
    half_past: Words = ()
    quarter_past: Words = ()
    quarter_to: Words = ()
    midday: Words = ()
    morning: Words = ()
    evening: Words = ()


class VocabularyTexts(Frozen):
    weekdays: tuple[Words, ...] = Field(min_length=7, max_length=7)
    every_day: Words = Field(min_length=1)
    working_days: Words = Field(min_length=1)
    weekend: Words = Field(min_length=1)
    today: Words = Field(min_length=1)
    tomorrow: Words = Field(min_length=1)
    am: Words = Field(min_length=1)
    pm: Words = Field(min_length=1)
    minutes: Words = Field(min_length=1)
    filler: Words = ()
    lead_words: dict[NonEmpty, Annotated[int, Field(ge=0, le=MAX_LEAD_MINUTES)]] = Field(
        default_factory=dict
    )
    corrections: Words = ()
    clock_words: Words = ()
    spoken: SpokenClock = Field(default_factory=lambda: SpokenClock())

    def build(self) -> Vocabulary:
        return Vocabulary(
            weekdays=self.weekdays,
            every_day=self.every_day,
            working_days=self.working_days,
            weekend=self.weekend,
            today=self.today,
            tomorrow=self.tomorrow,
            am=self.am,
            pm=self.pm,
            minutes=self.minutes,
            filler=self.filler,
            lead_words=tuple(self.lead_words.items()),
            corrections=self.corrections,
            clock_words=self.clock_words,
            spoken=self.spoken,
        )


def _known_zone(value: str) -> str:
    if known_zone(value) is None:
        raise ValueError(f"not an IANA time zone: {value!r}")
    return value


ZoneName = Annotated[NonEmpty, AfterValidator(_known_zone)]


class CommonZone(Frozen):
    zone: ZoneName
    label: ButtonLabel


class RemindTexts(Frozen):
    bad_time: Template
    unknown_words: Template
    no_days: Template
    no_time: Template
    bad_lead: Template
    too_many: Template
    mixed_days: Template
    already_passed: Template
    limit_reached: Template
    duplicate: Template
    ask_days: Template
    ask_days_chosen: Template
    day_off: Template
    day_on: Template
    every_day_button: ButtonLabel
    working_days_button: ButtonLabel
    today_button: ButtonLabel
    tomorrow_button: ButtonLabel
    done_button: ButtonLabel
    no_days_chosen: Template
    days_typed_help: Template
    ask_time: Template
    ask_lead: Template
    lead_button: Template
    bad_lead_typed: Template
    confirm: Template
    save_button: ButtonLabel
    restart_button: ButtonLabel
    cancel_button: ButtonLabel
    saved: Template
    updated: Template
    updated_paused: Template
    summary_weekly: Template
    summary_weekly_at_start: Template
    summary_once: Template
    summary_once_at_start: Template
    every_day: Template
    working_days: Template
    weekend: Template
    date: Template
    next: Template
    save_words: tuple[NonEmpty, ...] = ()
    # The run's time changed while asking how long before it ("make it 7am instead").
    time_changed: Template
    confirm_no: Template


class ReminderListTexts(Frozen):
    empty: Template
    header: Template
    # Typed right after a list of one reminder, as its buttons.
    pause_words: tuple[NonEmpty, ...] = ()
    resume_words: tuple[NonEmpty, ...] = ()
    delete_words: tuple[NonEmpty, ...] = ()
    # Asked in words to stop them: which buttons do it.
    how_to_stop: Template
    active: Template
    paused: Template
    paused_unreachable: Template
    pause_button: ButtonLabel
    resume_button: ButtonLabel
    edit_button: ButtonLabel
    delete_button: ButtonLabel
    now_paused: Template
    already_paused: Template
    now_active: Template
    already_active: Template
    removed: Template
    gone: Template
    finished: Template
    edit_intro: Template
    zone_moved: Template
    zone_moved_one: Template


class FireTexts(Frozen):
    message: Template
    late: Template
    # Sent again after a restart, when the first try may have reached the runner.
    repeat: Template
    focus: Template
    start_button: ButtonLabel
    snooze_button: Template
    skip_button: ButtonLabel
    snoozed: Template
    already_snoozed: Template
    skipped: Template
    skipped_last: Template
    old: Template
    gone: Template
    paused: Template
    # Typed right after a reminder, as its Snooze and Skip buttons.
    snooze_words: tuple[NonEmpty, ...] = ()
    skip_words: tuple[NonEmpty, ...] = ()


class TimezoneTexts(Frozen):
    ask: Template
    ask_first: Template
    current: Template
    saved: Template
    suggest: Template
    unknown: Template
    pick_for_time: Template
    no_zone_for_time: Template
    bad_time: Template
    other_button: ButtonLabel
    other_prompt: Template
    which_zone: Template
    kept: Template
    time_filler: tuple[NonEmpty, ...] = ()


class CommandOptionTexts(Frozen):
    """Descriptions of /remind's and /timezone's parts, where a platform shows them as
    separate options (Discord)."""

    days: NonEmpty
    time: NonEmpty
    before: NonEmpty
    zone: NonEmpty
    # Offered as the runner types the days (they may type any others).
    day_presets: tuple[NonEmpty, ...] = Field(min_length=1, max_length=25)


class CheckinSettingTexts(Frozen):
    """/checkin: when the after-run question comes, or not at all."""

    status_on: Template  # {minutes}
    status_off: Template
    set_on: Template  # {minutes}
    set_off: Template
    invalid: Template  # {low} {high}
    # Typed after /checkin: off, on, and how long in hours ("2 hours", "an hour and a half").
    off_words: tuple[NonEmpty, ...] = ()
    on_words: tuple[NonEmpty, ...] = ()
    hours: dict[NonEmpty, Annotated[int, Field(ge=15, le=360)]] = Field(default_factory=dict)
    hour_units: tuple[NonEmpty, ...] = ()


class ReminderTexts(Frozen):
    vocabulary: VocabularyTexts
    day_names: tuple[ButtonLabel, ...] = Field(min_length=7, max_length=7)
    month_names: tuple[NonEmpty, ...] = Field(min_length=12, max_length=12)
    common_zones: tuple[CommonZone, ...] = Field(min_length=1, max_length=12)
    well_known_zones: tuple[ZoneName, ...] = ()
    remind: RemindTexts
    reminders: ReminderListTexts
    fire: FireTexts
    timezone: TimezoneTexts
    options: CommandOptionTexts
    checkin: CheckinSettingTexts

    def zone_ranking(self) -> tuple[str, ...]:
        """Zones to suggest first: the buttons' zones, then the well-known ones."""
        common = [choice.zone for choice in self.common_zones]
        return tuple(dict.fromkeys([*common, *self.well_known_zones]))
