"""Reminders in words, from the content's templates: "Mon Wed Fri, 30 minutes before..."."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.calendar import zone
from bot.features.reminders.parsing import ALL_DAYS, WEEKEND_DAYS, WORKING_DAYS
from bot.features.reminders.rules import Rule, format_hhmm
from bot.features.reminders.texts import ReminderTexts


def days_text(days: frozenset[int], texts: ReminderTexts) -> str:
    if days == ALL_DAYS:
        return texts.remind.every_day
    if days == WORKING_DAYS:
        return texts.remind.working_days
    if days == WEEKEND_DAYS:
        return texts.remind.weekend
    return " ".join(texts.day_names[day] for day in sorted(days))


def date_text(day: date, texts: ReminderTexts) -> str:
    return texts.remind.date.format(
        weekday=texts.day_names[day.weekday()],
        day=day.day,
        month=texts.month_names[day.month - 1],
    )


def summary(rule: Rule, texts: ReminderTexts) -> str:
    """``Mon Wed Fri, 30 minutes before your 06:30 run`` and the like."""
    remind = texts.remind
    at = format_hhmm(rule.run_time)
    if rule.once_on is not None:
        day = date_text(rule.once_on, texts)
        if rule.lead_minutes == 0:
            return remind.summary_once_at_start.format(day=day, time=at)
        return remind.summary_once.format(day=day, lead=rule.lead_minutes, time=at)
    days = days_text(rule.weekdays, texts)
    if rule.lead_minutes == 0:
        return remind.summary_weekly_at_start.format(days=days, time=at)
    return remind.summary_weekly.format(days=days, lead=rule.lead_minutes, time=at)


def when(instant: datetime, zone_name: str, texts: ReminderTexts) -> str:
    """An instant as the runner's local date and time: ``Wed 8 Jul at 06:00``."""
    local = instant.astimezone(zone(zone_name))
    return texts.remind.next.format(
        date=date_text(local.date(), texts), time=format_hhmm(local.time())
    )


def clock_text(instant: datetime, zone_name: str) -> str:
    """Just the local ``HH:MM`` of an instant."""
    return format_hhmm(instant.astimezone(zone(zone_name)).time())
