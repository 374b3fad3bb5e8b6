"""Conversations saved by earlier releases carry on; saved steps this code cannot read
start their flow again instead of failing.

Each test writes a conversation's state straight into the conversations table, in the
JSON an earlier release wrote (one global ``"v": 1``, no version for the flow's data),
then presses that prompt's button or types, as the runner would after an upgrade.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core import payloads
from bot.core.messages import Outcome
from bot.features.tight.models import TightReport
from bot.features.warmup.models import WarmupSession
from bot.storage.models import Conversation
from bot.testing import Chat
from tests.features.reminders.harness import ready_chat, reminders

NONCE = "abc123"


def old_state(flow: str, step: str, data: dict[str, Any]) -> dict[str, Any]:
    """A conversation as releases before per-flow versions saved it."""
    return {"v": 1, "flow": flow, "step": step, "nonce": NONCE, "data": data}


async def save_state(sessions: async_sessionmaker[AsyncSession], state: dict[str, Any]) -> None:
    async with sessions() as session, session.begin():
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = state


async def saved_state(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        return dict(conversation.state)


async def press(chat: Chat, action: str) -> Outcome:
    """Press a button of the saved prompt (its payload carries the saved nonce)."""
    return await chat.press_payload(
        payloads.process_buttons().encode(chat.key.user_id, NONCE, action)
    )


# --- saved before the upgrade, carried on after it --------------------------------------


async def test_a_runner_mid_warmup_before_the_upgrade_carries_on(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.to_first_drill()
    async with sessions() as session:
        [warmup] = (await session.scalars(select(WarmupSession))).all()
    first, second, _ = content.routine.drills
    # Drill 2 showing, the first one skipped: as the earlier release saved it.
    await save_state(
        sessions,
        old_state(
            "warmup",
            "drill",
            {
                "session": warmup.id,
                "index": 1,
                "gentle": False,
                "soreness": 2,
                "done": [{"drill": first, "outcome": "skipped"}],
            },
        ),
    )

    outcome = await press(chat, "wu.done")
    assert outcome.accepted
    assert "Drill 3 of 3" in chat.last_text()
    # Written back in the same shape, so the release before could still read it.
    state = await saved_state(sessions)
    assert "dv" not in state
    assert state["data"] == {
        "session": warmup.id,
        "index": 2,
        "gentle": False,
        "soreness": 2,
        "done": [
            {"drill": first, "outcome": "skipped"},
            {"drill": second, "outcome": "done"},
        ],
    }

    await chat.press("Done")
    assert "2 of 3 drills done" in chat.last_text()
    async with sessions() as session:
        [finished] = (await session.scalars(select(WarmupSession))).all()
    assert [d["outcome"] for d in finished.drills] == ["skipped", "done", "done"]
    assert finished.status == "completed"


async def test_the_safety_note_saved_before_the_upgrade_still_carries_on(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await save_state(sessions, old_state("start", "accept", {"then": "warmup", "args": ""}))
    await press(chat, "start.accept")
    assert content.texts.warmup.soreness_question in chat.last_text()


async def test_the_reminder_form_saved_before_the_upgrade_still_saves(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(chat)
    draft = {"days": [0, 2, 4], "once_on": None, "time": "06:30", "lead": 30, "edit": None}
    await save_state(sessions, old_state("reminders", "confirm", draft))
    await press(chat, "save")
    assert "Mon Wed Fri, 30 minutes before your 06:30 run" in chat.last_text()
    [stored] = await reminders(sessions)
    assert (stored.weekdays, stored.run_time, stored.lead_minutes) == ("024", "06:30", 30)


async def test_the_zone_question_saved_before_the_upgrade_still_answers(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    question = {"options": ["Europe/London", "Europe/Berlin"], "then": None, "args": ""}
    await save_state(sessions, old_state("timezone", "ask", question))
    await press(chat, "tz.pick.1")
    assert "Got it: Europe/Berlin." in chat.last_text()


async def test_a_tight_spot_report_saved_before_the_upgrade_is_stored_on_confirm(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    report = {
        "text": "left glute is tight",
        "areas": [["glutes", "left"]],
        "kind": "tightness",
        "intensity": 5,
        "side_hint": None,
        "candidates": ["glutes"],
        "picked": ["glutes"],
        "prompt": "pick_unsure",
    }
    await save_state(sessions, old_state("tight", "confirm", report))
    await press(chat, "tt.yes")
    assert content.tight.words.tight.saved in chat.last_text()
    async with sessions() as session:
        [stored] = (await session.scalars(select(TightReport))).all()
    assert stored.areas == [{"area": "glutes", "side": "left"}]
    assert (stored.kind, stored.intensity, stored.text) == ("tightness", 5, "left glute is tight")


async def test_the_forget_question_saved_before_the_upgrade_still_answers(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await save_state(sessions, old_state("privacy", "confirm_forget", {}))
    await press(chat, "forget.no")
    assert content.texts.privacy.forget_kept in chat.last_text()


# --- saved steps this code cannot read --------------------------------------------------


async def test_a_press_on_an_unreadable_step_starts_its_flow_again(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.to_first_drill()
    await save_state(sessions, old_state("warmup", "drill", {"session": "lost", "index": 0}))
    outcome = await press(chat, "wu.done")
    assert not outcome.accepted
    assert outcome.notice == content.texts.common.expired_button
    assert content.texts.warmup.soreness_question in chat.last_text()
    state = await saved_state(sessions)
    assert (state["flow"], state["step"]) == ("warmup", "soreness")


async def test_typing_into_an_unreadable_step_starts_its_flow_again(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await save_state(sessions, old_state("tight", "intensity", {"areas": "glutes"}))
    await chat.say("4")
    assert chat.last_text() == content.tight.words.tight.ask_where


async def test_data_from_a_newer_version_starts_its_flow_again(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await save_state(sessions, {**old_state("warmup", "sharp", {"soreness": 3}), "dv": 2})
    await chat.say("no")
    assert content.texts.warmup.soreness_question in chat.last_text()


async def test_a_step_this_code_does_not_know_starts_its_flow_again(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await save_state(sessions, old_state("warmup", "cool_down", {}))
    await chat.say("done")
    assert content.texts.warmup.soreness_question in chat.last_text()


async def test_a_flow_this_code_does_not_know_is_dropped(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await save_state(sessions, old_state("stretching", "hold", {"seconds": 30}))
    outcome = await press(chat, "st.next")
    assert outcome.notice == content.texts.common.expired_button
    assert (await saved_state(sessions))["flow"] is None


async def test_a_command_on_an_unreadable_step_just_runs(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await save_state(sessions, old_state("reminders", "days", {"days": ["monday"]}))
    await chat.command("warmup")
    assert content.texts.warmup.soreness_question in chat.last_text()
    state = await saved_state(sessions)
    assert (state["flow"], state["step"]) == ("warmup", "soreness")
