"""The reminder words in content only use placeholders the code fills in."""

from __future__ import annotations

import string

from pydantic import BaseModel

from bot.features.reminders.texts import ReminderTexts

# What the code passes to each template (anything else would fail in front of a runner).
FILLED = {
    "remind.bad_time": {"text"},
    "remind.unknown_words": {"words"},
    "remind.bad_lead": {"text", "max"},
    "remind.too_many": {"text"},
    "remind.limit_reached": {"limit"},
    "remind.duplicate": {"summary"},
    "remind.ask_days_chosen": {"days"},
    "remind.day_off": {"name"},
    "remind.day_on": {"name"},
    "remind.ask_lead": {"max"},
    "remind.lead_button": {"minutes"},
    "remind.bad_lead_typed": {"max"},
    "remind.confirm": {"summary"},
    "remind.time_changed": {"time"},
    "remind.saved": {"summary", "next"},
    "remind.updated": {"summary", "next"},
    "remind.updated_paused": {"summary"},
    "remind.summary_weekly": {"days", "lead", "time"},
    "remind.summary_weekly_at_start": {"days", "time"},
    "remind.summary_once": {"day", "lead", "time"},
    "remind.summary_once_at_start": {"day", "time"},
    "remind.date": {"weekday", "day", "month"},
    "remind.next": {"date", "time"},
    "reminders.header": {"count", "limit", "zone"},
    "reminders.active": {"summary", "next"},
    "reminders.paused": {"summary"},
    "reminders.paused_unreachable": {"summary"},
    "reminders.now_paused": {"summary"},
    "reminders.now_active": {"summary", "next"},
    "reminders.already_active": {"next"},
    "reminders.removed": {"summary"},
    "reminders.edit_intro": {"summary"},
    "reminders.zone_moved": {"count", "zone"},
    "reminders.zone_moved_one": {"zone"},
    "fire.message": {"time"},
    "fire.late": {"minutes"},
    "fire.focus": {"areas"},
    "fire.snooze_button": {"minutes"},
    "fire.snoozed": {"time"},
    "fire.already_snoozed": {"time"},
    "fire.skipped": {"next"},
    "timezone.current": {"zone", "time"},
    "timezone.saved": {"zone", "time"},
    "timezone.kept": {"zone", "time"},
    "timezone.suggest": {"typed"},
    "timezone.unknown": {"typed"},
    "timezone.pick_for_time": {"time"},
    "timezone.no_zone_for_time": {"time"},
    "timezone.bad_time": {"text"},
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_uses_only_what_the_code_fills(reminder_texts: ReminderTexts) -> None:
    for section in ("remind", "reminders", "fire", "timezone"):
        model = getattr(reminder_texts, section)
        assert isinstance(model, BaseModel)
        for name, value in model.model_dump().items():
            if not isinstance(value, str):
                continue  # the words a runner may type, no template
            where = f"{section}.{name}"
            assert placeholders(value) <= FILLED.get(where, set()), where


def test_the_reminder_says_what_the_product_promises(reminder_texts: ReminderTexts) -> None:
    fire = reminder_texts.fire
    assert fire.message.format(time="06:30") == "Your run is at 06:30: time to loosen your hips."
    assert (fire.start_button, fire.snooze_button.format(minutes=10), fire.skip_button) == (
        "Start warm-up",
        "Snooze 10 min",
        "Skip today",
    )
