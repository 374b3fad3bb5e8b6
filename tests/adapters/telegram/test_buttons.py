"""Old, forged and odd button presses: always answered, never a state change."""

from __future__ import annotations

import pytest
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
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser


async def to_first_drill(api: TelegramStandIn, chat: TgChat, user: TgUser) -> Call:
    """Through the safety note and the soreness check; returns the soreness question."""
    api.send_command(chat, user, "start")
    await api.wait_for(sent_message(chat, buttons=True))
    await step(api, chat, user, "I understand", "Thanks!")
    mark = api.mark()
    api.send_command(chat, user, "warmup")
    question = await api.wait_for(sent_message(chat, buttons=True), since=mark)
    await step(api, chat, user, "Sore", "anything sharp")
    await step(api, chat, user, "No, just stiff or fine", "Drill 1 of 3")
    return question


async def test_a_stale_button_is_answered_with_a_fresh_prompt(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        question = await to_first_drill(api, chat, runner)
        old = question.result
        mark = api.mark()
        # The soreness question was answered and edited, but an old client still shows it.
        stale = next(b for row in old["reply_markup"]["inline_keyboard"] for b in row)
        _, query = api.press(chat, runner, old["message_id"], stale["callback_data"])
        answer = await api.wait_for_answer(query)
        fresh = await api.wait_for(sent_message(chat, containing="Drill 1 of 3"), since=mark)
        # The conversation did not move: the current drill's buttons still work.
        await step(api, chat, runner, "Done", "Drill 2 of 3")
    assert answer.params["text"] == shipped_content().texts.common.expired_button
    assert button_labels(fresh) == ["Done", "Skip", "Stop", "That hurt", "Count me through"]
    assert api.calls_since(mark, "editMessageText")[0].params["message_id"] != str(
        old["message_id"]
    )
    assert_clean(api)


@pytest.mark.parametrize(
    "data",
    ["garbage", "v1:ffff:abcdef:wu.done", "v9:0000:-:menu.warmup", "v1::-:", "x" * 64],
)
async def test_forged_data_gets_a_polite_answer_and_changes_nothing(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    data: str,
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await to_first_drill(api, chat, runner)
        drill = api.last_bot_message(chat)
        _, query = api.press(chat, runner, drill.message_id, data)
        answer = await api.wait_for_answer(query)
        await step(api, chat, runner, "Done", "Drill 2 of 3")
    assert answer.params.get("text")  # a word, never a silent spinner
    # The forged press edited nothing: the drill message shows the real press only.
    assert drill.text is not None
    assert drill.text.endswith("» Done")
    assert drill.edits == 1
    assert_clean(api)


async def test_a_double_press_moves_the_conversation_once(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await to_first_drill(api, chat, runner)
        drill = api.last_bot_message(chat)
        mark = api.mark()
        # Two quick taps on "Done" before the first one's edit removed the buttons.
        _, first = api.press_button(chat, runner, "Done", message_id=drill.message_id)
        _, second = api.press_button(chat, runner, "Done", message_id=drill.message_id)
        await api.wait_for_answer(first)
        late = await api.wait_for_answer(second)
        await api.wait_for(sent_message(chat, containing="Drill 2 of 3"), since=mark)
        # A later update in the chat runs after both presses are fully handled.
        api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat, containing="/warmup"), since=mark)
    assert late.params["text"] == shipped_content().texts.common.expired_button
    shown = [c.params["text"] for c in api.calls_since(mark, "sendMessage")]
    assert sum("Drill 2 of 3" in text for text in shown) == 2  # next drill, then re-prompt
    assert drill.edits == 1
    assert_clean(api)


async def test_a_forged_global_press_on_anothers_message_edits_nothing(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    common = shipped_content().texts.common
    ann, bob = api.user("Ann"), api.user("Bob")
    group = api.group_chat("Riverside Runners")
    async with running_bot(api, coach, sessions):
        mark = api.mark()
        api.send_command(group, ann, "timezone", mention=True)
        await api.wait_for(sent_message(group, buttons=True), since=mark)
        question = await step(api, group, ann, "I understand", "Which time zone")
        victim = api.message(group, question.result["message_id"])
        buttons = victim.buttons
        before = api.mark()
        # Bob's own, validly signed menu button, pressed on Ann's message.
        forged = coach.buttons.encode(str(bob.id), "-", "menu.help")
        _, query = api.press(group, bob, victim.message_id, forged)
        answer = await api.wait_for_answer(query)
        assert answer.params["text"] == common.unknown_button
        assert api.sent_to(group, since=before) == []  # no help, no edit
        assert victim.edits == 0
        assert victim.buttons == buttons
        # Bob presses Ann's real button: someone else's, so again nothing is edited.
        _, query = api.press_button(group, bob, "London", message_id=victim.message_id)
        answer = await api.wait_for_answer(query)
        assert "someone else" in answer.params["text"]
        assert victim.edits == 0
        # Ann's conversation never moved: her press still works.
        await step(api, group, ann, "London", "Europe/London")
    assert victim.text is not None
    assert victim.text.endswith("» London")
    assert_clean(api)


async def test_an_old_v1_button_shown_on_the_message_is_expired(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await to_first_drill(api, chat, runner)
        # A message sent before the upgrade, its buttons in the old format.
        old = api.old_bot_message(chat, "Earlier drill", [("Done", "v1:ab12:-:menu.warmup")])
        mark = api.mark()
        _, query = api.press(chat, runner, old.message_id, "v1:ab12:-:menu.warmup")
        answer = await api.wait_for_answer(query)
        await api.wait_for(sent_message(chat, containing="Drill 1 of 3"), since=mark)
        await step(api, chat, runner, "Done", "Drill 2 of 3")
    assert answer.params["text"] == shipped_content().texts.common.expired_button
    assert old.edits == 0
    assert_clean(api)
