"""An update is handled exactly when its step commits: its id is recorded in the step's
own transaction, so a repeat changes nothing and says nothing, and a step that failed
left no record, so the update is handled when it comes again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_coach
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import Command, ConversationKey, Inbound, Text
from bot.features.warmup.models import CheckIn
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.processed_updates import UpdateOutbox
from bot.testing import FakeClock
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

KEY = ConversationKey("telegram", "4242", "4242")


def update(n: int, text: str, *, keep: bool = True) -> Inbound:
    event = Command(text[1:]) if text.startswith("/") else Text(text)
    return Inbound(KEY, event, update_id=str(n), keep_replies=keep)


async def checkins(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CheckIn)) or 0)


async def to_soreness_question(coach: Coach) -> None:
    await coach.handle(update(1, "/start"))
    await coach.handle(update(2, "yes"))  # an everyday yes accepts the safety note
    await coach.handle(update(3, "/warmup"))


async def test_a_repeat_is_rolled_back_and_says_nothing(
    coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await coach.handle(update(10, "/help"))
    assert first.replies
    assert not first.repeat
    again = await coach.handle(update(10, "/help"))
    assert again.repeat
    assert again.replies == ()
    assert again.notice is None
    assert not again.accepted


async def test_a_repeated_answer_does_not_move_the_conversation_twice(
    coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await to_soreness_question(coach)
    answer = update(4, "/cancel")
    assert (await coach.handle(answer)).replies
    assert (await coach.handle(answer)).repeat
    # Had the repeat been handled, it would have said "nothing to cancel".
    words = coach.words.common.nothing_to_cancel
    assert all(r.text != words for r in (await coach.handle(update(5, "/help"))).replies)


async def test_a_step_that_failed_left_no_record_and_is_handled_next_time(
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.features.onboarding.flow import Onboarding

    original = Onboarding.command

    async def explode(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Onboarding, "command", explode)
    failed = await coach.handle(update(20, "/start"))
    assert failed.failed
    assert not failed.repeat
    monkeypatch.setattr(Onboarding, "command", original)
    handled = await coach.handle(update(20, "/start"))
    assert not handled.failed
    assert not handled.repeat
    assert handled.replies


async def test_replies_are_kept_with_the_record_only_when_asked(
    coach: Coach, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    outcome = await coach.handle(update(30, "/help"))
    await coach.handle(update(31, "/help", keep=False))  # a Discord interaction
    [held] = await UpdateOutbox(sessions, clock).held("telegram")
    assert (held.update_id, held.key, held.replies, held.sent) == ("30", KEY, outcome.replies, 0)


async def test_without_an_update_id_nothing_is_recorded(coach: Coach) -> None:
    hello = Inbound(KEY, Text("hello"))
    assert not (await coach.handle(hello)).repeat
    assert not (await coach.handle(hello)).repeat  # the terminal has no ids


async def _two_processes_handle_one_update_at_once(url: str, content: Content) -> None:
    """Two engines stand in for two processes on one server, given the same update."""
    engines = [create_engine(url) for _ in range(2)]
    try:
        await upgrade_to_head(engines[0])
        coaches = [
            build_coach(session_factory(engine), content, clock=FakeClock()) for engine in engines
        ]
        for n, text in enumerate(("/start", "yes", "/warmup", "1"), start=1):
            await coaches[0].handle(update(n, text))
        answer = update(5, "no")  # nothing sharp: the check-in is written
        outcomes = await asyncio.gather(*(coach.handle(answer) for coach in coaches))
        assert sorted(o.repeat for o in outcomes) == [False, True]
        [handled] = [o for o in outcomes if not o.repeat]
        assert handled.replies
        assert not handled.failed
        held = await UpdateOutbox(session_factory(engines[0]), FakeClock()).held("telegram")
        assert [h.update_id for h in held][-1] == "5"
        assert held[-1].replies == handled.replies
        assert await checkins(session_factory(engines[1])) == 1  # the step's own write, once
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_postgres_two_processes_given_one_update_handle_it_once(
    pg_url: str,  # noqa: F811
    content: Content,
) -> None:
    await _two_processes_handle_one_update_at_once(pg_url, content)
