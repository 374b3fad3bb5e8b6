"""Reminder settings the conversations need, separate from the process settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.features.reminders.wakeup import WakeUp


@dataclass(frozen=True, slots=True)
class ReminderOptions:
    max_per_user: int = 20
    default_lead_minutes: int = 30
    snooze_minutes: int = 10
    # The after-run check-in delay for runners who chose none; None: off unless chosen.
    checkin_delay_minutes: int | None = 90
    wakeup: WakeUp = field(default_factory=WakeUp)
