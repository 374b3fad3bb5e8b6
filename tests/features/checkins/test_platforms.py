"""An after-run check-in end to end on each platform: the real python-telegram-bot and
discord.py against the stand-ins, the question sent by the reminder dispatcher (its
outbox) on the controllable clock, answered with the platform's own buttons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.content import Content
from bot.testing import FakeClock
from tests.adapters.discord_harness import Recorder, make_adapter, newest_with, running
from tests.adapters.telegram_harness import (
    FAST_FLOOD,
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
)
from tests.features.checkins.harness import answers, at
from tests.features.reminders.harness import reminder_coach
from tests.standins.discord_api import DiscordStandIn
from tests.standins.telegram_api import TelegramStandIn

QUESTION = "How did your hips feel on your 08:00 run?"


async def test_a_check_in_on_telegram(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    clock = FakeClock(at("2026-11-23 06:00"))
    coach = reminder_coach(sessions, content, clock)
    async with TelegramStandIn(rate_limits=FAST_FLOOD) as api:
        runner = api.user("Ann")
        chat = api.private_chat(runner)
        async with running_bot(api, coach, sessions) as adapter:
            dispatcher = build_dispatcher(sessions, content, [adapter], clock)
            api.send_command(chat, runner, "start")
            await api.wait_for(sent_message(chat, buttons=True))
            api.press_button(chat, runner, "I understand")
            await api.wait_for(sent_message(chat, containing="Thanks!"))
            api.send_command(chat, runner, "remind", "today 08:00")
            await api.wait_for(sent_message(chat, containing="First I need your time zone"))
            api.press_button(chat, runner, "London")
            await api.wait_for(sent_message(chat, containing="First reminder: Mon 23 Nov"))

            clock.current = at("2026-11-23 07:30")
            assert (await dispatcher.run_once()).sent == 1
            clock.current = at("2026-11-23 09:30")
            assert (await dispatcher.run_once()).sent == 1
            question = await api.wait_for(sent_message(chat, containing=QUESTION))
            assert button_labels(question) == ["Fine 👍", "Tight", "Sore", "Pain"]

            mark = api.mark()
            api.press_button(chat, runner, "Tight")
            await api.wait_for(sent_message(chat, containing="Where did you feel it?"), since=mark)
            mark = api.mark()
            api.press_button(chat, runner, "Glutes")
            await api.wait_for(
                sent_message(chat, containing="tightness in your glutes"), since=mark
            )
            assert (await dispatcher.run_once()).sent == 0  # asked once
        assert_clean(api)
    [stored] = await answers(sessions)
    assert (stored.feeling, stored.area) == ("tight", "glutes")


async def test_a_check_in_on_discord(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    clock = FakeClock(at("2026-11-23 06:00"))
    coach = reminder_coach(sessions, content, clock)
    async with DiscordStandIn() as api:
        runner = api.user("ann")
        async with running(make_adapter(api, coach, Recorder(coach)), api) as adapter:
            dispatcher = build_dispatcher(sessions, content, [adapter], clock)
            accept = content.texts.start.accept
            record = await api.command(runner, "start")
            await api.press(runner, await newest_with(api, record, accept), accept)
            record = await api.command(runner, "remind", "today 08:00")
            confirmed = await api.press(runner, await newest_with(api, record, "London"), "London")
            await api.wait_until(
                lambda: any("First reminder" in m.content for m in api.replies(confirmed))
            )

            clock.current = at("2026-11-23 07:30")
            assert (await dispatcher.run_once()).sent == 1
            clock.current = at("2026-11-23 09:30")
            assert (await dispatcher.run_once()).sent == 1
            dms = api.from_bot(api.dm_channel(runner), seen_by=runner)
            [question] = [m for m in dms if QUESTION in m.content]
            assert question.labels() == ["Fine 👍", "Tight", "Sore", "Pain"]

            record = await api.press(runner, question, "Sore")
            where = await newest_with(api, record, "Back of thighs")
            record = await api.press(runner, where, "Back of thighs")
            await api.wait_until(
                lambda: any(
                    "soreness in the back of your thighs" in m.content for m in api.replies(record)
                )
            )
        assert api.violations == []
        assert api.late_interactions() == []
    [stored] = await answers(sessions)
    assert (stored.feeling, stored.area) == ("sore", "hamstrings")
