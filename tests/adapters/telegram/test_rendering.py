"""How replies look on Telegram: long texts, many buttons, images and files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.render import utf16_len
from bot.core.engine import Coach
from bot.core.messages import Choice, ImageRef, Inbound, Outcome, Reply
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
)
from tests.standins.telegram_api import TelegramStandIn

# A 1x1 PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


async def test_a_long_reply_is_split_on_paragraphs_with_buttons_on_the_last_part(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    paragraph = "Hips like routine. " * 60  # about 1,100 characters
    text = "\n\n".join(f"{n}. {paragraph.strip()} 🏃" for n in range(1, 9))
    choices = (Choice("Done", "v1:0000:-:a"), Choice("Skip", "v1:0000:-:b"))

    async def handler(inbound: Inbound) -> Outcome:
        return Outcome(replies=(Reply(text, choices=choices),))

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=handler):
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat, buttons=True))
    parts = api.sent_to(chat)
    assert len(parts) == 3
    assert all(utf16_len(p.params["text"]) <= 4096 for p in parts)
    assert "\n\n".join(p.params["text"] for p in parts) == text  # nothing lost, cut on breaks
    assert [button_labels(p) for p in parts] == [[], [], ["Done", "Skip"]]
    assert_clean(api)


async def test_many_choices_make_tidy_rows(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    numbers = tuple(Choice(str(n), f"v1:0000:-:n{n}") for n in range(11))
    wordy = (Choice("Remind me before every long run", "v1:0000:-:long"),)

    async def handler(inbound: Inbound) -> Outcome:
        return Outcome(replies=(Reply("How sore, 0-10?", choices=numbers + wordy),))

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=handler):
        api.send_command(chat, runner, "start")
        sent = await api.wait_for(sent_message(chat, buttons=True))
    rows = sent.json("reply_markup")["inline_keyboard"]
    assert [len(row) for row in rows] == [6, 5, 1]
    assert rows[2][0]["text"] == "Remind me before every long run"
    assert_clean(api)


async def test_an_image_goes_as_a_photo_with_its_caption_and_buttons(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "lunge.png").write_bytes(PIXEL)
    content = dataclasses.replace(shipped_content(), directory=tmp_path)
    image = ImageRef("images/lunge.png", alt="A bouncing lunge")
    short = Reply("Bouncing lunges", choices=(Choice("Done", "v1:0000:-:d"),), image=image)
    long = Reply("Step by step. " * 100, choices=(Choice("Done", "v1:0000:-:d"),), image=image)
    replies = [short, long]

    async def handler(inbound: Inbound) -> Outcome:
        return Outcome(replies=(replies.pop(0),))

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=handler, content=content):
        api.send_command(chat, runner, "start")
        first = await api.wait_for(lambda c: c.method == "sendPhoto" and c.ok)
        mark = api.mark()
        api.send_command(chat, runner, "again")
        await api.wait_for(sent_message(chat, buttons=True), since=mark)
    photos = api.calls_since(0, "sendPhoto")
    assert first.params["caption"] == "Bouncing lunges"
    assert first.uploads["photo"].data == PIXEL
    assert button_labels(first) == ["Done"]
    # The second time the photo is not uploaded again, and the long text can't be a
    # caption: it follows as a message carrying the buttons.
    assert "photo" not in photos[1].uploads
    assert photos[1].params["photo"]
    assert "caption" not in photos[1].params
    [text] = api.calls_since(mark, "sendMessage")
    assert text.params["text"] == long.text.strip()
    assert button_labels(text) == ["Done"]
    assert_clean(api)


async def test_export_arrives_as_a_json_document(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat, buttons=True))
        api.send_command(chat, runner, "export")
        document = await api.wait_for(lambda c: c.method == "sendDocument" and c.ok)
    upload = document.uploads["document"]
    assert upload.filename.endswith(".json")
    assert document.params["caption"] == shipped_content().texts.privacy.export_caption
    data = json.loads(upload.data)["data"]
    assert data["users"][0]["platform_user_id"] == str(runner.id)
    assert api.last_bot_message(chat).media["document"]["file_name"] == upload.filename
    assert_clean(api)
