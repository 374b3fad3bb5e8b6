"""/progress: what a runner sees about their own history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.calendar import periods, streak
from bot.core.calendar import zone_or_utc as zone
from bot.storage.models import User
from bot.testing import Chat, FakeClock
from tests.features.tight.test_flow import accept_safety_note
from tests.features.tight.test_warmup_prelude import report, soreness


async def finish_warmup(chat: Chat, content: Content, value: int = 2) -> None:
    await chat.command("warmup")
    await chat.press(soreness(content, value))
    await chat.press(content.texts.warmup.sharp_no)
    for _ in content.routine.drills:
        await chat.press(content.texts.warmup.done)


async def test_nothing_logged_yet(chat: Chat, content: Content) -> None:
    await accept_safety_note(chat, content)
    await chat.command("progress")
    assert chat.last_text() == content.progress.nothing_yet


async def test_progress_counts_warmups_streak_soreness_and_areas(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    words = content.progress
    await accept_safety_note(chat, content)
    # Monday 2026-11-23 (the fake clock's start): three days in a row.
    for day, value in enumerate((2, 5, 0)):
        await finish_warmup(chat, content, value)
        await report(chat, content, f"left glute tight {3 + day}/10")
        clock.advance(days=1)
    clock.advance(hours=-1)  # Wednesday evening

    await chat.command("progress")
    text = chat.last_text()
    assert words.warmups.format(week=3, month=3) in text
    assert words.streak.format(days=3) in text
    assert words.soreness.format(values="2, 5, 0") in text
    window = content.progress.repeat_window_days
    area = words.area_count.format(area="glute", days=3)
    assert words.areas.format(areas=area, window=window) in text
    assert words.look_at_it.format(area="glute", days=3, window=window) in text


async def test_counts_read_naturally_for_one_day_and_for_several(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    await accept_safety_note(chat, content)
    await finish_warmup(chat, content)
    await report(chat, content, "left glute tight 3/10")
    await chat.command("progress")
    text = chat.last_text()
    assert "Current streak: 1 day." in text
    assert "glute (1 day)." in text
    assert "(s)" not in text

    clock.advance(days=1)
    await finish_warmup(chat, content)
    await report(chat, content, "left glute tight 3/10")
    await chat.command("progress")
    text = chat.last_text()
    assert "Current streak: 2 days in a row." in text
    assert "glute (2 days)." in text


async def test_two_days_is_not_yet_a_pattern_and_a_gap_breaks_the_streak(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    words = content.progress
    await accept_safety_note(chat, content)
    await finish_warmup(chat, content)
    await report(chat, content, "right calf tight 3/10")
    clock.advance(days=1)
    await report(chat, content, "right calf tight 3/10")
    clock.advance(days=2)
    await chat.command("progress")
    text = chat.last_text()
    assert words.no_streak in text
    assert "calf (2 days)" in text
    assert "physio" not in text


async def test_days_follow_the_runners_time_zone(
    chat: Chat,
    content: Content,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    words = content.progress
    await accept_safety_note(chat, content)
    async with sessions() as session, session.begin():
        await session.execute(update(User).values(time_zone="America/Los_Angeles"))
    # 06:00 UTC Monday is still Sunday evening in Los Angeles: last week.
    await finish_warmup(chat, content)
    await chat.command("progress")
    assert words.warmups.format(week=1, month=1) in chat.last_text()
    clock.advance(hours=20)  # Monday lunchtime in Los Angeles: a new week
    await chat.command("progress")
    assert words.warmups.format(week=0, month=1) in chat.last_text()
    assert "Current streak: 1 day." in chat.last_text()


def test_streak_counts_back_from_today_or_yesterday() -> None:
    today = date(2026, 3, 10)
    assert streak([date(2026, 3, 8), date(2026, 3, 9), today], today) == 3
    assert streak([date(2026, 3, 8), date(2026, 3, 9)], today) == 2
    assert streak([date(2026, 3, 7), date(2026, 3, 8)], today) == 0
    assert streak([], today) == 0


def test_periods_start_on_local_monday_and_the_first_of_the_month() -> None:
    tz = ZoneInfo("Europe/Berlin")
    when = periods(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tz)  # a Sunday
    assert when.week_start == datetime(2026, 2, 22, 23, 0, tzinfo=UTC)
    assert when.month_start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons") is UTC
    assert zone(None) is UTC
