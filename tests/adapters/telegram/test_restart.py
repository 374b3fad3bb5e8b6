"""A restart in the middle of a warm-up: the old message's button carries on from there."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_coach
from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import TelegramStandIn


async def test_pressing_the_old_message_after_a_restart_resumes_the_warmup(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat, buttons=True))
        await step(api, chat, runner, "I understand", "Thanks!")
        api.send_command(chat, runner, "warmup")
        await api.wait_for(sent_message(chat, containing="how do your hips"))
        await step(api, chat, runner, "Loose 😊", "anything sharp")
        await step(api, chat, runner, "No, just stiff or fine", "Drill 1 of 3")
        before_restart = await step(api, chat, runner, "Done", "Drill 2 of 3")

    # A new process: a new coach on the same database, a new python-telegram-bot.
    revived = build_coach(sessions, shipped_content(), clock=coach.clock)
    async with running_bot(api, revived, sessions):
        old_message = before_restart.result["message_id"]
        mark = api.mark()
        api.press_button(chat, runner, "Done", message_id=old_message)
        resumed = await api.wait_for(sent_message(chat, containing="Drill 3 of 3"), since=mark)
        await step(api, chat, runner, "Done", "Nice work")
    assert resumed.ok
    assert "3 of 3 drills done" in api.last_bot_message(chat).text  # type: ignore[operator]
    assert api.violations == []
    assert api.unanswered_queries() == []
    # A restart this instant lands the new process's first sends in the same second as
    # the old one's, so Telegram may say 429: each is waited out and then delivered.
    for refused in api.throttled:
        later = api.calls[api.calls.index(refused) + 1 :]
        assert any(
            c.ok and c.method == refused.method and c.params == refused.params for c in later
        )


async def test_an_update_fetched_before_a_restart_is_not_handled_again_after_it(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        update_id = api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat, containing="/warmup"))
    # Telegram never saw the offset confirmed and sends the update to the new process.
    api.repeat_update(update_id)
    async with running_bot(
        api, build_coach(sessions, shipped_content(), clock=coach.clock), sessions
    ):
        await api.wait_delivered(update_id)
        mark = api.mark()
        api.send_command(chat, runner, "cancel")
        await api.wait_for(sent_message(chat), since=mark)
    assert sum("/warmup" in c.params["text"] for c in api.sent_to(chat)) == 1
    assert_clean(api)
