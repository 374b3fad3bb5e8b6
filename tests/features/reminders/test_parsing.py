"""Reading reminders and clock times the way runners type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.features.reminders.parsing import (
    AlreadyPassed,
    BadLead,
    BadTime,
    MixedDays,
    NoDays,
    NoTime,
    RelativeDay,
    ReminderRequest,
    TooMany,
    UnknownWords,
    Vocabulary,
    parse_clock,
    parse_days,
    parse_lead,
    parse_reminder,
    to_rule,
)
from bot.features.reminders.rules import Rule

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "mon wed fri 06:30 30",
            ReminderRequest(frozenset({MON, WED, FRI}), None, time(6, 30), 30),
        ),
        ("today 18:00", ReminderRequest(frozenset(), RelativeDay.TODAY, time(18, 0), None)),
        ("tomorrow 7:15 20", ReminderRequest(frozenset(), RelativeDay.TOMORROW, time(7, 15), 20)),
        ("weekdays 6:30am", ReminderRequest(frozenset(range(5)), None, time(6, 30), None)),
        ("daily 6:30pm 45", ReminderRequest(frozenset(range(7)), None, time(18, 30), 45)),
        ("every day at 7:00", ReminderRequest(frozenset(range(7)), None, time(7, 0), None)),
        ("Every Day 07:00 15 min", ReminderRequest(frozenset(range(7)), None, time(7, 0), 15)),
        ("mon-fri 05:45 60", ReminderRequest(frozenset(range(5)), None, time(5, 45), 60)),
        ("sat - mon 8:00", ReminderRequest(frozenset({SAT, SUN, MON}), None, time(8, 0), None)),
        ("Tuesday, Thursday 6 pm", ReminderRequest(frozenset({TUE, THU}), None, time(18, 0), None)),
        ("weekends 12am 0", ReminderRequest(frozenset({SAT, SUN}), None, time(0, 0), 0)),
        ("sun 12:30pm 30mins", ReminderRequest(frozenset({SUN}), None, time(12, 30), 30)),
        ("30 06:30 thu", ReminderRequest(frozenset({THU}), None, time(6, 30), 30)),
        (
            "tomorrow morning 6.45",
            ReminderRequest(frozenset(), RelativeDay.TOMORROW, time(6, 45), None),
        ),
    ],
)
def test_good_one_line_reminders(
    typed: str, expected: ReminderRequest, vocabulary: Vocabulary
) -> None:
    assert parse_reminder(typed, vocabulary) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mon 25:99", BadTime("25:99")),
        ("mon 13pm", BadTime("13pm")),
        ("mon 0am", BadTime("0am")),
        ("every blue moon", UnknownWords(("blue", "moon"))),
        ("mon wed 06:30 thirty", UnknownWords(("thirty",))),
        ("06:30 30", NoDays()),
        ("", NoDays()),
        ("mon wed fri", NoTime()),
        ("tomorrow 30", NoTime()),
        ("mon 06:30 500", BadLead("500")),
        ("mon 06:30 07:00", TooMany("06:30 07:00")),
        ("mon 7 30", TooMany("7 30")),
        ("today mon 06:30", MixedDays()),
        ("today tomorrow 06:30", MixedDays()),
    ],
)
def test_bad_one_line_reminders_say_what_is_wrong(
    typed: str, expected: object, vocabulary: Vocabulary
) -> None:
    assert parse_reminder(typed, vocabulary) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06:30", time(6, 30)),
        ("6:30", time(6, 30)),
        ("6.30", time(6, 30)),
        ("18h30", time(18, 30)),
        ("6:30am", time(6, 30)),
        ("6:30 AM", time(6, 30)),
        ("6:30 p.m.", time(18, 30)),
        ("12am", time(0, 0)),
        ("12:15pm", time(12, 15)),
        ("7", time(7, 0)),
        ("19", time(19, 0)),
        ("25:99", BadTime("25:99")),
        ("24:00", BadTime("24:00")),
        ("14pm", BadTime("14pm")),
        ("6:61", BadTime("6:61")),
        ("soon", None),
        ("123", None),
        ("", None),
    ],
)
def test_clock_times(typed: str, expected: object, vocabulary: Vocabulary) -> None:
    assert parse_clock(typed, vocabulary) == expected


def test_a_bare_number_is_not_a_time_in_one_line_form(vocabulary: Vocabulary) -> None:
    assert parse_clock("7", vocabulary, bare_hour=False) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("30", 30), ("45 min", 45), ("0", 0), ("180", 180), ("181", BadLead("181")), ("x", None)],
)
def test_leads(typed: str, expected: object, vocabulary: Vocabulary) -> None:
    assert parse_lead(typed, vocabulary) == expected


NOW = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday; 08:00 Wednesday in Sydney


def test_today_and_tomorrow_are_the_runners_local_dates() -> None:
    today = ReminderRequest(frozenset(), RelativeDay.TODAY, time(18, 0), None)
    tomorrow = ReminderRequest(frozenset(), RelativeDay.TOMORROW, time(7, 15), 20)

    in_sydney = to_rule(today, zone_name="Australia/Sydney", now=NOW, default_lead=30)
    next_day = to_rule(tomorrow, zone_name="America/Chicago", now=NOW, default_lead=30)

    assert in_sydney == Rule(frozenset(), date(2026, 3, 11), time(18, 0), 30, "Australia/Sydney")
    assert next_day == Rule(frozenset(), date(2026, 3, 11), time(7, 15), 20, "America/Chicago")


def test_a_one_off_whose_reminder_time_has_gone_is_refused() -> None:
    # 21:00 UTC is 17:00 in New York; an 17:20 run with a 30 minute lead fired at 16:50.
    request = ReminderRequest(frozenset(), RelativeDay.TODAY, time(17, 20), None)

    assert to_rule(request, zone_name="America/New_York", now=NOW, default_lead=30) == (
        AlreadyPassed()
    )


def test_weekly_requests_keep_their_days() -> None:
    request = ReminderRequest(frozenset({MON, FRI}), None, time(6, 0), 15)

    assert to_rule(request, zone_name="Europe/London", now=NOW, default_lead=30) == Rule(
        frozenset({MON, FRI}), None, time(6, 0), 15, "Europe/London"
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mon wed fri", frozenset({MON, WED, FRI})),
        ("weekdays", frozenset(range(5))),
        ("Tomorrow", RelativeDay.TOMORROW),
        ("every blue moon", UnknownWords(("blue", "moon"))),
        ("mon 06:30", UnknownWords(("06:30",))),
        ("", NoDays()),
        ("today sat", MixedDays()),
    ],
)
def test_days_alone(typed: str, expected: object, vocabulary: Vocabulary) -> None:
    assert parse_days(typed, vocabulary) == expected
