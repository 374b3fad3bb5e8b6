"""Drill demos and pictures on Telegram: an animation with the drill's first step as its
caption and the steps below, sent again by file_id, and the text when Telegram refuses."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.core.messages import Inbound, Outcome, Reply
from bot.media.library import MediaLibrary, every_demo
from bot.storage.models import KeyValue
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser

DRILL_BUTTONS = ["Done", "Skip", "Stop", "That hurt", "Count me through"]


def _animation(chat: TgChat) -> object:
    def match(call: Call) -> bool:
        return call.method == "sendAnimation" and call.chat_id == chat.id and call.ok

    return match


async def _to_first_drill(api: TelegramStandIn, chat: TgChat, runner: TgUser) -> None:
    api.send_command(chat, runner, "start")
    await api.wait_for(sent_message(chat, buttons=True))
    await step(api, chat, runner, "I understand", "Thanks!")
    mark = api.mark()
    api.send_command(chat, runner, "warmup")
    await api.wait_for(sent_message(chat, buttons=True), since=mark)
    await step(api, chat, runner, "A bit stiff", "anything sharp")
    mark = api.mark()
    pressed = api.find_button(chat, "No, just stiff or fine")
    api.press_button(chat, runner, "No, just stiff or fine", message_id=pressed.message_id)
    await api.wait_for(sent_message(chat, containing="2.", buttons=True), since=mark)


async def test_a_drill_comes_as_an_animation_then_its_steps_and_the_upload_is_kept(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    pictures: MediaLibrary,
) -> None:
    drill = shipped_content().drills.by_id("bouncing_lunges").standard
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, pictures=pictures):
        await _to_first_drill(api, chat, runner)
        [first] = api.calls_since(0, "sendAnimation")
        caption = first.text
        assert caption is not None
        assert caption.startswith("Drill 1 of 3: Bouncing lunges")
        assert first.bold() == ["Drill 1 of 3: Bouncing lunges"]  # the heading, in bold
        assert drill.steps[0].text in caption
        assert drill.steps[1].text not in caption
        assert first.uploads["animation"].data[:6] == b"GIF89a"
        steps = api.sent_to(chat)[-1]
        assert drill.steps[1].text in (steps.text or "")
        assert drill.steps[0].text not in (steps.text or "")
        assert button_labels(steps) == DRILL_BUTTONS  # under the steps, not the animation

        # The drill again (asked while it runs): no second upload, Telegram's file_id.
        mark = api.mark()
        api.send_command(chat, runner, "warmup")
        again = await api.wait_for(_animation(chat), since=mark)  # type: ignore[arg-type]
    assert "animation" not in again.uploads
    assert again.params["animation"] == first.result["animation"]["file_id"]
    assert again.text == caption
    assert_clean(api)


async def test_the_file_id_is_kept_across_a_restart(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    pictures: MediaLibrary,
    tmp_path: Path,
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, pictures=pictures):
        await _to_first_drill(api, chat, runner)
    [uploaded] = api.calls_since(0, "sendAnimation")
    file_id = uploaded.result["animation"]["file_id"]
    stored = [v for k, v in (await _key_values(sessions)).items() if k.startswith("telegram.file:")]
    assert stored == [file_id]

    mark = api.mark()
    content = shipped_content()
    cache = tmp_path / "media"
    fresh = MediaLibrary(content.directory, content.media, cache)  # nothing drawn yet
    async with running_bot(api, coach, sessions, pictures=fresh):
        api.send_command(chat, runner, "warmup")
        again = await api.wait_for(_animation(chat), since=mark)  # type: ignore[arg-type]
    # A new process sends the file Telegram keeps by its id: nothing drawn, nothing uploaded.
    assert again.params["animation"] == file_id
    assert "animation" not in again.uploads
    assert not cache.exists()
    # (A restarted pacer may run into the flood limit once; it waits and tries again.)
    assert api.violations == []


async def test_an_animation_telegram_refuses_leaves_the_drill_as_text(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    pictures: MediaLibrary,
) -> None:
    drill = shipped_content().drills.by_id("bouncing_lunges").standard
    runner = api.user()
    chat = api.private_chat(runner)
    api.fail_next("sendAnimation", 400, description="Bad Request: failed to get the animation")
    async with running_bot(api, coach, sessions, pictures=pictures):
        await _to_first_drill(api, chat, runner)
    [refused] = api.calls_since(0, "sendAnimation")
    assert refused.status == 400
    text = api.sent_to(chat)[-1]
    assert text.text is not None
    assert text.text.startswith("Drill 1 of 3: Bouncing lunges")
    assert text.bold() == ["Drill 1 of 3: Bouncing lunges"]
    assert all(s.text in text.text for s in drill.steps)
    assert button_labels(text) == DRILL_BUTTONS
    assert api.violations == []


async def test_progress_comes_as_a_picture_with_the_summary_as_its_caption(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    pictures: MediaLibrary,
) -> None:
    words = shipped_content().progress
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, pictures=pictures):
        await _to_first_drill(api, chat, runner)
        for label in ("Done", "Done"):
            mark = api.mark()
            pressed = api.find_button(chat, label)
            api.press_button(chat, runner, label, message_id=pressed.message_id)
            await api.wait_for(sent_message(chat, buttons=True), since=mark)
        await step(api, chat, runner, "Done", "Nice work")
        mark = api.mark()
        api.send_command(chat, runner, "progress")
        photo = await api.wait_for(lambda c: c.method == "sendPhoto" and c.ok, since=mark)
    assert photo.text is not None
    assert photo.text.startswith(words.title)
    assert photo.bold() == [words.title]
    assert words.warmups.format(week=1, month=1) in photo.text
    assert photo.uploads["photo"].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert_clean(api)


async def _key_values(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(KeyValue.key, KeyValue.value))
        return {key: value for key, value in rows}


async def test_many_chats_asking_for_a_new_animation_at_once_upload_it_once(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    pictures: MediaLibrary,
) -> None:
    content = shipped_content()
    demo = every_demo(content.media.poses, ["toy_soldiers"])[0]

    async def handler(inbound: Inbound) -> Outcome:
        return Outcome(replies=(Reply("Toy soldiers", image=demo),))

    runners = [api.user() for _ in range(6)]
    chats = [api.private_chat(runner) for runner in runners]
    async with running_bot(api, coach, sessions, pictures=pictures, handler=handler):
        for chat, runner in zip(chats, runners, strict=True):
            api.send_command(chat, runner, "start")
        await api.wait_until(
            lambda: len([c for c in api.calls if c.method == "sendAnimation" and c.ok]) == 6
        )
    sent = api.calls_since(0, "sendAnimation")
    uploads = [c for c in sent if "animation" in c.uploads]
    assert len(uploads) == 1  # the others waited for its file_id
    file_id = uploads[0].result["animation"]["file_id"]
    assert {c.params["animation"] for c in sent if c is not uploads[0]} == {file_id}
    assert {c.chat_id for c in sent} == {chat.id for chat in chats}
    assert_clean(api)
