"""When the after-run question is due: the delay, the runner's night, DST and the next run."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.features.reminders.checkin_timing import Night, checkin_due, next_run_after
from bot.features.reminders.rules import Rule

NINETY = timedelta(minutes=90)


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_the_question_is_due_the_delay_after_the_run_in_any_zone() -> None:
    # 07:00 local in three zones: 90 minutes later, whatever the offset.
    assert checkin_due(utc("2026-11-23 07:00"), NINETY, "Europe/London", None) == utc(
        "2026-11-23 08:30"
    )
    assert checkin_due(utc("2026-11-23 12:00"), NINETY, "America/New_York", None) == utc(
        "2026-11-23 13:30"
    )
    assert checkin_due(utc("2026-11-22 20:00"), NINETY, "Australia/Sydney", None) == utc(
        "2026-11-22 21:30"
    )


def test_a_question_due_in_the_night_waits_for_the_morning_local_time() -> None:
    # A 21:30 run in London: 23:00 is night, so 07:00 the next morning.
    assert checkin_due(utc("2026-11-23 21:30"), NINETY, "Europe/London", None) == utc(
        "2026-11-24 07:00"
    )
    # A 05:00 run in Tokyo (20:00 UTC the day before): 06:30 is night, so 07:00 local.
    assert checkin_due(utc("2026-11-22 20:00"), NINETY, "Asia/Tokyo", None) == utc(
        "2026-11-22 22:00"
    )


def test_the_morning_after_a_spring_forward_is_seven_on_the_new_clock() -> None:
    # London springs forward on Sunday 28 March 2027 at 01:00: 07:00 BST is 06:00 UTC.
    run = utc("2027-03-27 21:00")  # 21:00 GMT on Saturday
    assert checkin_due(run, NINETY, "Europe/London", None) == utc("2027-03-28 06:00")


def test_a_run_on_the_day_the_clocks_fall_back_is_asked_about_on_time() -> None:
    # New York falls back on Sunday 1 November 2026 at 02:00: a 07:00 EST run is 12:00 UTC.
    assert checkin_due(utc("2026-11-01 12:00"), NINETY, "America/New_York", None) == utc(
        "2026-11-01 13:30"
    )
    # And a 21:00 run the evening before (EDT, 01:00 UTC) waits until 07:00 EST.
    assert checkin_due(utc("2026-11-01 01:00"), NINETY, "America/New_York", None) == utc(
        "2026-11-01 12:00"
    )


def test_a_question_that_would_come_after_the_next_run_is_dropped() -> None:
    # An evening run at 21:30 and the next at 06:30: the morning comes too late.
    evening = utc("2026-11-23 21:30")
    assert checkin_due(evening, NINETY, "Europe/London", utc("2026-11-24 06:30")) is None
    # Two runs in one day, the second well after the delay: asked in between.
    morning = utc("2026-11-23 07:00")
    assert checkin_due(morning, NINETY, "Europe/London", utc("2026-11-23 18:00")) == utc(
        "2026-11-23 08:30"
    )


def test_the_night_window_is_configurable_and_need_not_wrap_midnight() -> None:
    early = Night(start=time(0, 0), end=time(6, 0))
    assert [early.holds(time(5, 59)), early.holds(time(6, 0))] == [True, False]
    default = Night()
    hours = [time(21, 59), time(22, 0), time(6, 59), time(7, 0)]
    assert [default.holds(at) for at in hours] == [False, True, True, False]
    run = utc("2026-11-23 21:30")
    assert checkin_due(run, NINETY, "Europe/London", None, early) == utc("2026-11-23 23:00")


def test_the_next_run_is_the_soonest_of_all_the_runners_rules() -> None:
    daily = Rule(frozenset(range(7)), None, time(7, 0), 30, "Europe/London")
    evening = Rule(frozenset({0}), None, time(18, 0), 0, "Europe/London")
    after = utc("2026-11-23 07:00")  # Monday's 07:00 run
    assert next_run_after([daily, evening], after) == utc("2026-11-23 18:00")
    assert next_run_after([daily], after) == utc("2026-11-24 07:00")
    assert next_run_after([], after) is None
