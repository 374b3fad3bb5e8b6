"""Bad input is normal input: a short friendly answer, nothing changed, no traceback."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import payloads
from bot.core.messages import ConversationKey
from bot.features.warmup.models import CheckIn, WarmupSession
from bot.storage.models import Conversation
from bot.testing import Chat


async def snapshot(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessions() as session:
        # The prompt nonce is left out: re-sending a prompt with fresh buttons renews it.
        states = [
            {k: v for k, v in c.state.items() if k != "nonce"}
            for c in (await session.scalars(select(Conversation))).all()
        ]
        checkins = len((await session.scalars(select(CheckIn))).all())
        drills = [w.drills for w in (await session.scalars(select(WarmupSession))).all()]
    return {"states": states, "checkins": checkins, "drills": drills}


@pytest.fixture
async def mid_warmup(chat: Chat) -> Chat:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup")
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")
    return chat


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (("command", "dance"), "I don't know /dance"),
        (("command", "WARMUP!!"), "I don't know"),
        (("command", "x" * 500), "I don't know"),
        (("say", ""), "empty message"),
        (("say", "   \n\t  "), "empty message"),
        (("say", "\x00\x07\x1b"), "empty message"),
        (("say", "a" * 10_000), "under 2000 characters"),
        (("say", "🦵🔥💥🏃‍♀️"), "I can't help with that yet"),
    ],
)
async def test_odd_input_mid_warmup_changes_nothing(
    mid_warmup: Chat,
    sessions: async_sessionmaker[AsyncSession],
    event: tuple[str, str],
    expected: str,
) -> None:
    chat = mid_warmup
    before = await snapshot(sessions)
    kind, value = event
    outcome = await (chat.command(value) if kind == "command" else chat.say(value))
    assert expected in chat.last_text()
    assert "Traceback" not in chat.last_text()
    assert len(chat.last_text()) < 300
    assert outcome.replies
    assert await snapshot(sessions) == before
    await chat.press("Done")  # the warm-up carries on
    assert "Drill 2 of 3" in chat.last_text()


async def test_free_text_outside_a_flow_points_to_help(chat: Chat) -> None:
    await chat.say("blah blah blah")
    assert "/help" in chat.last_text()


async def test_old_button_from_a_finished_step_is_refused(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chat = mid_warmup
    old_done = chat.button("Done")
    await chat.press("Done")
    before = await snapshot(sessions)
    outcome = await chat.press_payload(old_done.payload)
    assert not outcome.accepted
    assert outcome.notice == "That button has expired."
    assert "Drill 2 of 3" in chat.last_text()  # a fresh copy of where they are
    assert await snapshot(sessions) == before
    await chat.press("Done")
    assert "Drill 3 of 3" in chat.last_text()


async def test_button_from_a_finished_conversation_is_refused(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chat = mid_warmup
    stale = chat.button("Done")
    await chat.command("cancel")
    before = await snapshot(sessions)
    outcome = await chat.press_payload(stale.payload)
    assert not outcome.accepted
    assert "expired" in (outcome.notice or "")
    assert await snapshot(sessions) == before


async def test_someone_elses_button_is_refused_politely(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner = mid_warmup
    intruder = Chat(owner.coach, ConversationKey("terminal", "chat-1", "user-2"))
    before = await snapshot(sessions)
    outcome = await intruder.press_payload(owner.button("Done").payload)
    assert not outcome.accepted
    assert "someone else" in (outcome.notice or "")
    assert outcome.replies == ()
    after = await snapshot(sessions)
    assert after["drills"] == before["drills"]
    await owner.press("Done")
    assert "Drill 2 of 3" in owner.last_text()


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "hello",
        "v2:0000:abcdef:wu.done",
        "v1:zzzz:abcdef:wu.done",
        "v1:0000:ABCDEF:wu.done",
        "v1::::",
        "v1:0000:abcdef:" + "x" * 60,
        "v1:0000:-:menu.warmup:extra",
        "💥" * 20,
        "\x00\x01",
    ],
)
async def test_forged_payloads_are_refused(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession], forged: str
) -> None:
    before = await snapshot(sessions)
    outcome = await mid_warmup.press_payload(forged)
    assert not outcome.accepted
    assert outcome.notice
    assert await snapshot(sessions) == before


async def test_forged_action_with_the_right_nonce_is_refused(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chat = mid_warmup
    nonce = chat.button("Done").payload.split(":")[2]
    forged = payloads.process_buttons().encode(chat.key.user_id, nonce, "sore.9")
    before = await snapshot(sessions)
    await chat.press_payload(forged)
    assert "can't use that button" in chat.last_text()
    assert await snapshot(sessions) == before


async def test_unknown_global_action_is_refused(chat: Chat) -> None:
    forged = payloads.process_buttons().encode(chat.key.user_id, payloads.ANY_SCOPE, "nope.nothing")
    outcome = await chat.press_payload(forged)
    assert not outcome.accepted
    assert outcome.notice


async def test_a_failing_flow_apologises_instead_of_crashing(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.features.warmup.flow import Warmup

    async def explode(*_: object) -> None:
        raise RuntimeError("disk on fire")

    await chat.command("start")
    await chat.press("I understand")
    monkeypatch.setattr(Warmup, "command", explode)
    outcome = await chat.command("warmup")
    assert (
        chat.last_text() == "Sorry, something went wrong on my side. Please try again in a moment."
    )
    assert "disk on fire" not in chat.last_text()
    assert not outcome.accepted
    monkeypatch.undo()
    await chat.command("warmup")
    assert "how do your hips feel" in chat.last_text()


async def test_huge_command_text_is_refused_not_cut(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("tight", "left glute " * 1000)
    assert "under 2000 characters" in chat.last_text()


async def test_an_old_v1_button_is_expired_not_acted_on(
    mid_warmup: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chat = mid_warmup
    done = chat.button("Done").payload
    old = "v1:ab12:" + ":".join(done.split(":")[2:])
    outcome = await chat.press_payload(old)
    assert not outcome.accepted
    assert outcome.notice == "That button has expired."
    assert "Drill 1 of 3" in chat.last_text()  # a fresh prompt
    await chat.press("Done")
    assert "Drill 2 of 3" in chat.last_text()


async def test_a_global_button_of_another_user_is_refused(chat: Chat) -> None:
    forged = payloads.process_buttons().encode("someone-else", payloads.ANY_SCOPE, "menu.help")
    outcome = await chat.press_payload(forged)
    assert not outcome.accepted
    assert outcome.notice is not None
    assert "someone else" in outcome.notice
    assert not outcome.replies
