"""Telegram at its most native: a multi-select changes its own buttons in place, and
headings and names are bold, with whatever a runner typed or content says shown as
written, never read as markup."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.core.messages import Choice, Inbound, Outcome, Reply, Text
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    edited,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import TelegramStandIn, TgChat, TgUser

TRICKY = 'Tom <b>& "Jerry"</b> 🏃‍♀️ &amp; <i'


async def _tap(api: TelegramStandIn, chat: TgChat, runner: TgUser, label: str) -> None:
    """Press ``label`` and wait until the press is answered and its message edited."""
    mark = api.mark()
    pressed = api.find_button(chat, label)
    _, query = api.press_button(chat, runner, label, message_id=pressed.message_id)
    await api.wait_for_answer(query)
    await api.wait_for(edited(chat, pressed.message_id), since=mark)


async def _ready(api: TelegramStandIn, chat: TgChat, runner: TgUser) -> None:
    api.send_command(chat, runner, "start")
    await api.wait_for(sent_message(chat, buttons=True))
    await step(api, chat, runner, "I understand", "Thanks!")
    mark = api.mark()
    api.send_command(chat, runner, "timezone", "Europe/London")
    await api.wait_for(sent_message(chat, containing="London"), since=mark)


async def test_weekday_taps_change_the_keyboard_of_the_days_question_in_place(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _ready(api, chat, runner)
        mark = api.mark()
        api.send_command(chat, runner, "remind")
        question = await api.wait_for(
            sent_message(chat, containing="Which days", buttons=True), since=mark
        )
        message_id = question.result["message_id"]
        taps = api.mark()
        for label in ("Mon", "Thu", "✅ Mon", "Sat"):
            await _tap(api, chat, runner, label)
        during = api.calls_since(taps)
        shown = api.message(chat, message_id)
        shown_text, labels = shown.text, [b["text"] for b in shown.buttons]
        # Done moves on to a new question, as before.
        await step(api, chat, runner, "Done", "What time")
    writes = [c for c in during if c.method.startswith(("send", "edit"))]
    assert [c.method for c in writes] == ["editMessageReplyMarkup"] * 4
    assert {c.params["message_id"] for c in writes} == {str(message_id)}
    assert shown_text == question.text  # the words stay; the buttons say what is chosen
    assert [label for label in labels if label.startswith("✅")] == ["✅ Thu", "✅ Sat"]
    assert "Mon" in labels
    assert_clean(api)


async def test_area_taps_in_tight_change_the_picker_in_place(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _ready(api, chat, runner)
        mark = api.mark()
        api.send_command(chat, runner, "tight")
        picker = await api.wait_for(sent_message(chat, buttons=True), since=mark)
        first, second = button_labels(picker)[:2]
        taps = api.mark()
        await _tap(api, chat, runner, first)
        await _tap(api, chat, runner, second)
        during = api.calls_since(taps)
        shown = api.message(chat, picker.result["message_id"])
    assert "sendMessage" not in [c.method for c in during]
    ticked = [b["text"] for b in shown.buttons if b["text"].endswith((first, second))]
    assert len(ticked) == 2
    assert all(label not in (first, second) for label in ticked)  # each carries a tick
    assert_clean(api)


async def test_bold_names_are_escaped_whatever_they_hold(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def handler(inbound: Inbound) -> Outcome:
        typed = inbound.event.text if isinstance(inbound.event, Text) else "?"
        text = f"Your name: {typed}\nPlan for {typed} & friends <3"
        choices = (Choice("Done", "v1:0000:-:d"),)
        return Outcome(replies=(Reply(text, choices=choices, bold=(typed, "Plan")),))

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=handler):
        api.send_text(chat, runner, TRICKY)
        sent = await api.wait_for(sent_message(chat, buttons=True))
        mark = api.mark()
        _, query = api.press_button(chat, runner, "Done", message_id=sent.result["message_id"])
        await api.wait_for_answer(query)
        marked = await api.wait_for(edited(chat, sent.result["message_id"]), since=mark)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.text == f"Your name: {TRICKY}\nPlan for {TRICKY} & friends <3"
    assert sent.bold() == [TRICKY, "Plan", TRICKY]
    # The pressed mark keeps the bold, and the words as they were.
    assert marked.text is not None
    assert marked.text.startswith(sent.text)
    assert marked.bold() == [TRICKY, "Plan", TRICKY]
    assert_clean(api)


async def test_a_reply_without_bold_parts_goes_as_plain_text(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def handler(inbound: Inbound) -> Outcome:
        return Outcome(replies=(Reply("Hips & knees <3"),))

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=handler):
        api.send_text(chat, runner, "hi")
        sent = await api.wait_for(sent_message(chat))
    assert "parse_mode" not in sent.params
    assert sent.params["text"] == "Hips & knees <3"
    assert_clean(api)
