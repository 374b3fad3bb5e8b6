"""A runner's whole warm-up on Telegram, through python-telegram-bot and the stand-in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import TelegramStandIn


async def test_start_accept_warmup_every_drill_to_the_summary(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.send_command(chat, runner, "start")
        disclaimer = await api.wait_for(sent_message(chat, buttons=True))
        assert button_labels(disclaimer) == ["I understand"]

        await step(api, chat, runner, "I understand", "Thanks!")
        pressed = api.message(chat, disclaimer.result["message_id"])
        assert pressed.text is not None
        assert pressed.text.endswith("» I understand")
        assert pressed.reply_markup is None  # can't be pressed twice

        mark = api.mark()
        api.send_command(chat, runner, "warmup")
        soreness = await api.wait_for(sent_message(chat, buttons=True), since=mark)
        assert "how do your hips feel" in soreness.params["text"]
        # Four short labels: two rows side by side, not four rows or one cramped row; the
        # longer "quick version" choice on a row of its own below them.
        rows = soreness.json("reply_markup")["inline_keyboard"]
        assert [len(row) for row in rows] == [2, 2, 1]
        assert rows[2][0]["text"] == "In a hurry? Quick version"

        await step(api, chat, runner, "A bit stiff", "anything sharp")
        drill = await step(api, chat, runner, "No, just stiff or fine", "Drill 1 of 3")
        assert button_labels(drill) == ["Done", "Skip", "Stop", "That hurt", "Count me through"]
        # Five buttons since "That hurt" and "Count me through" joined Done, Skip and Stop:
        # three rows.
        assert len(drill.json("reply_markup")["inline_keyboard"]) == 3

        await step(api, chat, runner, "Done", "Drill 2 of 3")
        await step(api, chat, runner, "Skip", "Drill 3 of 3")
        summary = await step(api, chat, runner, "Done", "Nice work")

    assert "2 of 3 drills done, skipped 1" in summary.params["text"]
    # Every pressed message now shows the choice and has no buttons left.
    pressed_marks = [
        m.text.rsplit("\n", 1)[-1] for m in api.bot_messages(chat) if m.edits and m.text
    ]
    assert pressed_marks == [
        "» I understand",
        "» A bit stiff",
        "» No, just stiff or fine",
        "» Done",
        "» Skip",
        "» Done",
    ]
    assert all(not m.buttons for m in api.bot_messages(chat) if m.edits)
    # Only the main menu under "Thanks!" still has buttons: nobody pressed them.
    [menu] = [m for m in api.bot_messages(chat) if m.buttons]
    assert menu.text is not None
    assert menu.text.startswith("Thanks!")
    assert_clean(api)


async def test_menu_and_descriptions_are_set_from_content(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with running_bot(api, coach, sessions):
        pass
    assert {c["command"]: c["description"] for c in api.commands} == {
        spec.name: spec.description for spec in coach.commands()
    }
    assert api.description == shipped_content().texts.bot.description
    assert api.short_description == shipped_content().texts.bot.short_description
    assert_clean(api)


async def test_an_unchanged_menu_is_not_sent_again_on_restart(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with running_bot(api, coach, sessions):
        pass
    async with running_bot(api, coach, sessions):
        pass
    assert len(api.calls_since(0, "setMyCommands")) == 1
    assert len(api.calls_since(0, "setMyDescription")) == 1


async def test_commands_work_with_the_bot_name_and_arguments(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.send_command(chat, runner, "help", mention=True)
        listing = await api.wait_for(sent_message(chat, containing="/warmup"))
        api.send_text(chat, runner, "/help@SomeOtherBot")
        mark = api.mark()
        api.send_command(chat, runner, "nosuchthing", "with args")
        unknown = await api.wait_for(sent_message(chat), since=mark)
    assert "Here's what I can do" in listing.params["text"]
    assert "/nosuchthing" in unknown.params["text"]
    # The command for another bot got no answer of its own.
    assert len(api.sent_to(chat)) == 2
    assert_clean(api)
