"""A running club's group: two runners, one coach, buttons that answer only their owner."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser


async def accept_and_warm_up(api: TelegramStandIn, group: TgChat, user: TgUser) -> Call:
    """``user`` starts a warm-up in the group; the soreness question they get."""
    mark = api.mark()
    api.send_command(group, user, "warmup", mention=True)
    await api.wait_for(sent_message(group, buttons=True), since=mark)
    return await step(api, group, user, "I understand", "how do your hips feel")


async def test_a_button_acts_only_for_the_runner_it_belongs_to(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann, bob = api.user("Ann"), api.user("Bob")
    group = api.group_chat("Riverside Runners")
    async with running_bot(api, coach, sessions):
        question = await accept_and_warm_up(api, group, ann)
        message_id = question.result["message_id"]
        before = api.mark()

        # Bob presses Ann's button: a polite word to Bob only, and nothing else happens.
        _, query = api.press_button(group, bob, "Sore", message_id=message_id)
        answer = await api.wait_for_answer(query)
        assert "someone else" in answer.params["text"]

        # Ann's press still works: her conversation never moved.
        await step(api, group, ann, "Sore", "anything sharp")
        writes = [c.method for c in api.sent_to(group, since=before)]
    assert sorted(writes) == ["editMessageText", "sendMessage"]  # Ann's press only
    pressed = api.message(group, message_id)
    assert pressed.text is not None
    assert pressed.text.endswith("» Sore")
    assert_clean(api)


async def test_two_runners_warm_up_side_by_side_in_one_group(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann, bob = api.user("Ann"), api.user("Bob")
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        await accept_and_warm_up(api, group, ann)
        await accept_and_warm_up(api, group, bob)
        # Each presses "Sore" on their own question (the newest one is Bob's).
        bob_question = api.last_bot_message(group)
        ann_question = [m for m in api.bot_messages(group) if m.buttons][-2]
        mark = api.mark()
        api.press_button(group, ann, "Sore", message_id=ann_question.message_id)
        api.press_button(group, bob, "Loose 😊", message_id=bob_question.message_id)
        await api.wait_until(
            lambda: (
                len(api.calls_since(mark, "sendMessage")) == 2
                and bool(ann_question.edits and bob_question.edits)
            )
        )
    assert ann_question.text is not None
    assert ann_question.text.endswith("» Sore")
    assert bob_question.text is not None
    assert bob_question.text.endswith("» Loose 😊")
    assert_clean(api)


async def test_export_in_a_group_goes_to_a_private_chat(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann = api.user("Ann")
    dm = api.private_chat(ann)  # Ann has opened a private chat with the coach before
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        await accept_and_warm_up(api, group, ann)
        mark = api.mark()
        api.send_command(group, ann, "export")
        note = await api.wait_for(sent_message(group, containing="private chat"), since=mark)
    [document] = api.calls_since(mark, "sendDocument")
    assert document.chat_id == dm.id  # never into the group
    body = json.loads(document.uploads["document"].data)
    assert body["data"]["users"][0]["platform_user_id"] == str(ann.id)
    assert "sent that to you" in note.params["text"]
    assert_clean(api)


async def test_export_in_a_group_without_a_private_chat_asks_for_one(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    bob = api.user("Bob")
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        await accept_and_warm_up(api, group, bob)
        mark = api.mark()
        api.send_command(group, bob, "export")
        note = await api.wait_for(sent_message(group, containing="@HipCoachBot"), since=mark)
    assert "/export" in note.params["text"]
    # The one refused private send was Telegram saying no, not a malformed request.
    refused = api.calls_since(mark, "sendDocument")
    assert [c.status for c in refused] == [403]
    assert_clean(api)


async def test_group_chatter_is_not_answered_but_a_mention_is(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann = api.user("Ann")
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        api.send_text(group, ann, "anyone up for intervals tonight?")
        mark = api.mark()
        api.send_text(group, ann, "@HipCoachBot hello")
        answer = await api.wait_for(sent_message(group), since=mark)
    assert api.sent_to(group) == [answer]  # the chatter before it got nothing
    # A greeting is answered as one.
    assert answer.params["text"] == shipped_content().texts.understanding.greeting_reply
    assert_clean(api)
