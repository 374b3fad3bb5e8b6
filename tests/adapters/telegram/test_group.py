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

ZONE_QUESTION = "Which time zone are you in?"


async def accept_and_ask_zone(api: TelegramStandIn, group: TgChat, user: TgUser) -> Call:
    """``user`` asks for /timezone in the group (a flow with buttons and nothing personal
    in it) and accepts the safety note; the time-zone question they get."""
    mark = api.mark()
    api.send_command(group, user, "timezone", mention=True)
    await api.wait_for(sent_message(group, buttons=True), since=mark)
    return await step(api, group, user, "I understand", ZONE_QUESTION)


def link_of(call: Call) -> str:
    [[button]] = json.loads(call.params["reply_markup"])["inline_keyboard"]
    url: str = button["url"]
    return url


async def test_a_button_acts_only_for_the_runner_it_belongs_to(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann, bob = api.user("Ann"), api.user("Bob")
    group = api.group_chat("Riverside Runners")
    async with running_bot(api, coach, sessions):
        question = await accept_and_ask_zone(api, group, ann)
        message_id = question.result["message_id"]
        before = api.mark()

        # Bob presses Ann's button: a polite word to Bob only, and nothing else happens.
        _, query = api.press_button(group, bob, "London", message_id=message_id)
        answer = await api.wait_for_answer(query)
        assert "someone else" in answer.params["text"]

        # Ann's press still works: her conversation never moved.
        await step(api, group, ann, "London", "Europe/London")
        writes = [c.method for c in api.sent_to(group, since=before)]
    assert sorted(writes) == ["editMessageText", "sendMessage"]  # Ann's press only
    pressed = api.message(group, message_id)
    assert pressed.text is not None
    assert pressed.text.endswith("» London")
    assert_clean(api)


async def test_two_runners_answer_side_by_side_in_one_group(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann, bob = api.user("Ann"), api.user("Bob")
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        ann_question = await accept_and_ask_zone(api, group, ann)
        bob_question = await accept_and_ask_zone(api, group, bob)
        mark = api.mark()
        api.press_button(group, ann, "Sydney", message_id=ann_question.result["message_id"])
        api.press_button(group, bob, "Denver", message_id=bob_question.result["message_id"])
        await api.wait_until(lambda: len(api.calls_since(mark, "sendMessage")) == 2)
    said = " ".join(c.params["text"] for c in api.calls_since(mark, "sendMessage"))
    assert "Australia/Sydney" in said
    assert "America/Denver" in said
    assert_clean(api)


async def test_a_warm_up_asked_for_in_a_group_carries_on_in_a_private_chat(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann = api.user("Ann")
    group = api.group_chat("Riverside Runners")
    async with running_bot(api, coach, sessions):
        mark = api.mark()
        api.send_command(group, ann, "warmup", mention=True)
        note = await api.wait_for(sent_message(group), since=mark)
        # Ann taps the button: Telegram opens the private chat and, on Start, sends
        # "/start warmup" there.
        assert link_of(note) == "https://t.me/HipCoachBot?start=warmup"
        dm = api.private_chat(ann)
        api.send_text(dm, ann, "/start warmup")
        await api.wait_for(sent_message(dm, buttons=True), since=mark)
        question = await step(api, dm, ann, "I understand", "how do your hips feel")
        await step(api, dm, ann, "Sore", "anything sharp")
    assert note.params["text"] == shipped_content().texts.common.go_private
    # The group saw the one neutral line, and nothing about Ann's hips.
    assert [c.params.get("text") for c in api.sent_to(group)] == [note.params["text"]]
    assert question.chat_id == dm.id
    assert_clean(api)


async def test_pain_mentioned_in_a_group_is_answered_in_private(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann = api.user("Ann")
    dm = api.private_chat(ann)  # Ann has talked to the coach in private before
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        mark = api.mark()
        api.send_text(group, ann, "@HipCoachBot sharp pain in my groin since my fall, cant walk")
        note = await api.wait_for(sent_message(group), since=mark)
        [advice] = [c for c in api.calls_since(mark, "sendMessage") if c.chat_id == dm.id]
    assert "sent that to you" in note.params["text"]
    assert "groin" not in note.params["text"]
    assert "urgent" in advice.params["text"].casefold() or "999" in advice.params["text"]
    assert_clean(api)


async def test_export_in_a_group_goes_to_a_private_chat(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann = api.user("Ann")
    dm = api.private_chat(ann)  # Ann has opened a private chat with the coach before
    group = api.group_chat()
    async with running_bot(api, coach, sessions):
        await accept_and_ask_zone(api, group, ann)
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
        await accept_and_ask_zone(api, group, bob)
        mark = api.mark()
        api.send_command(group, bob, "export")
        note = await api.wait_for(sent_message(group, containing="@HipCoachBot"), since=mark)
    assert link_of(note) == "https://t.me/HipCoachBot"
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
