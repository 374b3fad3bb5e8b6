"""/start, the safety note, /help and the menu."""

from __future__ import annotations

from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.testing import Chat, shipped_content


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


async def test_a_deep_link_start_carries_on_with_its_command(chat: Chat, content: Content) -> None:
    await chat.command("start", "warmup")  # a new runner: the safety note comes first
    assert content.safety.disclaimer.text in chat.all_text()
    await chat.press("I understand")
    assert "how do your hips feel" in chat.last_text()
    await chat.command("cancel")
    await chat.command("start", "progress")  # accepted already: straight on
    assert "Welcome back" not in chat.all_text()


async def test_a_deep_link_naming_no_command_is_a_plain_start(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    for junk in ("start", "nonsense", "../../etc", "x" * 64):
        await chat.command("start", junk)
        assert "Welcome back" in chat.last_text()


async def test_personal_commands_in_a_group_move_to_a_private_chat(coach: Coach) -> None:
    group = Chat(coach, ConversationKey("telegram", "-100", "7"), is_private=False)
    for command in ("warmup", "tight", "progress"):
        outcome = await group.command(command, "left glute" if command == "tight" else "")
        [reply] = outcome.replies
        assert reply.text == shipped_content().texts.common.go_private
        assert reply.private_start == command
        assert reply.choices == ()
    # Nothing was asked in the group.
    assert "how do your hips feel" not in group.all_text()


async def test_where_a_reply_can_be_whispered_the_warm_up_runs_in_the_server(
    coach: Coach,
) -> None:
    server = Chat(coach, ConversationKey("discord", "55", "7"), is_private=False, can_whisper=True)
    await server.command("warmup")
    await server.press("I understand")
    assert "how do your hips feel" in server.last_text()
    assert server.outcomes[-1].replies[-1].private
