"""/start, the safety note, /help and the menu."""

from __future__ import annotations

from bot.content import Content
from bot.core.messages import ConversationKey
from bot.testing import Chat


async def test_start_shows_welcome_and_safety_note_once(chat: Chat, content: Content) -> None:
    await chat.command("start")
    assert "Hip Coach" in chat.all_text()
    assert content.safety.disclaimer.text in chat.all_text()
    await chat.press("I understand")
    assert "/warmup" in chat.last_text()
    await chat.command("start")
    assert content.safety.disclaimer.text not in chat.last_text()
    assert "Welcome back" in chat.last_text()


async def test_warmup_before_accepting_asks_first_then_continues(chat: Chat) -> None:
    await chat.command("warmup")
    assert 'press "I understand"' in chat.all_text()
    await chat.press("I understand")
    assert "how do your hips feel" in chat.last_text()


async def test_an_everyday_yes_accepts_the_safety_note_and_carries_on(chat: Chat) -> None:
    await chat.command("warmup")
    await chat.say("nope")
    assert "how do your hips feel" not in chat.last_text()
    await chat.say("Ok!")
    assert "how do your hips feel" in chat.last_text()
    await chat.command("start")
    assert "Welcome back" in chat.last_text()  # accepted once, remembered


async def test_help_lists_every_command(chat: Chat, content: Content) -> None:
    await chat.command("help")
    for name, description in content.texts.commands.items():
        assert f"/{name} - {description}" in chat.last_text()


async def test_group_help_explains_button_ownership(chat: Chat) -> None:
    group = Chat(chat.coach, ConversationKey("telegram", "-100", "u1"), is_private=False)
    await group.command("help")
    assert "buttons only work for the person" in group.last_text()


async def test_menu_buttons_start_their_command(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.press("Warm up")
    assert "how do your hips feel" in chat.last_text()


async def test_menu_buttons_stay_valid_later(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    menu_help = chat.button("Help")
    await chat.command("warmup")
    outcome = await chat.press_payload(menu_help.payload)
    assert outcome.accepted
    assert "/warmup" in chat.last_text()


async def test_commands_come_with_descriptions(chat: Chat) -> None:
    specs = chat.coach.commands()
    names = [spec.name for spec in specs]
    assert {"start", "warmup", "help", "cancel", "export", "forget"} <= set(names)
    assert all(spec.description for spec in specs)
