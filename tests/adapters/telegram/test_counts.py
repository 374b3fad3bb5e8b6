"""A paced count on the real python-telegram-bot against the Bot API stand-in, judged by
Telegram's real flood limits on the injected clock: one message edited in place, no 429,
and a clean end on Stop or a restart."""

from __future__ import annotations

import asyncio
import itertools

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_coach, count_runner
from bot.content import Content
from bot.core.engine import Coach
from bot.features.counts.runner import CountRunner
from bot.testing import FakeClock
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import Call, RateLimits, TelegramStandIn, TgChat, TgUser

DRILL = ["Done", "Skip", "Stop", "That hurt"]


def stand_in(clock: FakeClock) -> TelegramStandIn:
    """Telegram's own limits (1 a second per chat, a burst of 3), timed by the test's clock."""
    return TelegramStandIn(rate_limits=RateLimits(), clock=lambda: clock.now().timestamp())


def new_messages(api: TelegramStandIn, chat: TgChat) -> list[Call]:
    return [call for call in api.sent_to(chat) if call.method.startswith("send")]


async def showing(runner: CountRunner) -> None:
    """Until the adapter has told the runner that the count's message went out (the
    stand-in has it a moment before the adapter has the platform's answer)."""
    for _ in range(500):
        if runner.showing:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the count's message was never opened")


def runner_of(coach: Coach) -> CountRunner:
    runner = count_runner(coach)
    assert runner is not None
    return runner


async def tap(
    api: TelegramStandIn, clock: FakeClock, chat: TgChat, user: TgUser, label: str, expect: str
) -> Call:
    clock.advance(seconds=5)  # a runner reading, then tapping: the chat's budget refills
    return await step(api, chat, user, label, expect)


async def to_count(
    api: TelegramStandIn, coach: Coach, clock: FakeClock, chat: TgChat, user: TgUser
) -> int:
    """Onboard, start the warm-up, press Count me through: the count's message id."""
    api.send_command(chat, user, "start")
    await api.wait_for(sent_message(chat, buttons=True))
    await tap(api, clock, chat, user, "I understand", "Thanks!")
    clock.advance(seconds=5)
    mark = api.mark()
    api.send_command(chat, user, "warmup")
    await api.wait_for(sent_message(chat, containing="how do your hips feel"), since=mark)
    await tap(api, clock, chat, user, "Loose 😊", "sharp")
    await tap(api, clock, chat, user, "No, just stiff or fine", "Drill 1 of 3")
    opening = await tap(api, clock, chat, user, "Count me through", "get ready")
    assert button_labels(opening) == ["Stop the count"]
    await showing(runner_of(coach))  # the adapter has sent its message
    return int(opening.result["message_id"])


async def count_for(coach: Coach, clock: FakeClock, seconds: float) -> None:
    runner = runner_of(coach)
    for _ in range(round(seconds / 0.5)):
        clock.advance(seconds=0.5)
        await runner.run_due()


async def test_the_count_edits_one_message_within_telegrams_limits(
    coach: Coach, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with stand_in(clock) as api:
        user = api.user("Ann")
        chat = api.private_chat(user)
        async with running_bot(api, coach, sessions) as adapter:
            runner_of(coach).attach({"telegram": adapter})
            message_id = await to_count(api, coach, clock, chat, user)
            sends = len(new_messages(api, chat))
            await count_for(coach, clock, 60)
            edits = api.edits_of(chat, message_id)
            texts = [call.params["text"] for call in edits]
            assert sum("of 8" in t for t in texts) == 16
            assert any("Switch legs" in t for t in texts)
            assert len(new_messages(api, chat)) == sends  # edits only, no new messages
            gaps = [b.at - a.at for a, b in itertools.pairwise(edits)]
            assert min(gaps) >= 1.5
            final = api.message(chat, message_id)
            assert "all counted" in (final.text or "")
            assert [b["text"] for b in final.buttons] == DRILL
            await tap(api, clock, chat, user, "Done", "Drill 2 of 3")
            assert_clean(api)  # no 429, no broken rule


async def test_stop_mid_count_is_exactly_one_final_message(
    coach: Coach, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with stand_in(clock) as api:
        user = api.user("Ann")
        chat = api.private_chat(user)
        async with running_bot(api, coach, sessions) as adapter:
            runner_of(coach).attach({"telegram": adapter})
            message_id = await to_count(api, coach, clock, chat, user)
            await count_for(coach, clock, 10)
            mark = api.mark()
            await tap(api, clock, chat, user, "Stop the count", "Count stopped")
            await count_for(coach, clock, 60)
            after = api.calls_since(mark)
            assert [c.method for c in after if c.method == "sendMessage"] == ["sendMessage"]
            # The count's message was only marked as pressed, never counted on.
            edits = [c for c in after if c.method.startswith("editMessage")]
            [marked] = edits
            assert marked.params["text"].rstrip().endswith("Stop the count")
            assert api.message(chat, message_id).reply_markup is None
            assert_clean(api)


async def test_a_restart_mid_count_gives_one_line_and_the_next_step(
    coach: Coach,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
) -> None:
    async with stand_in(clock) as api:
        user = api.user("Ann")
        chat = api.private_chat(user)
        async with running_bot(api, coach, sessions) as adapter:
            runner_of(coach).attach({"telegram": adapter})
            message_id = await to_count(api, coach, clock, chat, user)
            await count_for(coach, clock, 10)
        await runner_of(coach).stop()  # the process stops mid-count
        clock.advance(seconds=60)
        again = build_coach(sessions, content, clock=clock)
        async with running_bot(api, again, sessions) as adapter:
            runner = runner_of(again)
            runner.attach({"telegram": adapter})
            mark = api.mark()
            assert await runner.recover() == 1
            await count_for(again, clock, 60)
            sent = api.calls_since(mark, "sendMessage")
            assert len(sent) == 1
            assert sent[0].params["text"].startswith("The count stopped when I restarted.")
            assert button_labels(sent[0]) == DRILL
            assert api.calls_since(mark, "editMessageText") == []
            assert api.edits_of(chat, message_id)  # it had counted before the restart
            await tap(api, clock, chat, user, "Done", "Drill 2 of 3")
            assert_clean(api)
