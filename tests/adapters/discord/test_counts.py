"""A paced count on the real discord.py against the Discord stand-in: the interaction's
message edited through its webhook, inside the edit bucket and the token's 15 minutes,
on the injected clock; a clean end on Stop."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest

from bot.app import count_runner
from bot.core.engine import Coach
from bot.features.counts.runner import CountRunner
from bot.testing import FakeClock, shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, press_through, running
from tests.standins.discord_api import DiscordStandIn, InteractionRecord
from tests.standins.discord_objects import DcUser, StoredMessage

DRILL = ["Done", "Skip", "Stop", "That hurt"]


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(clock=lambda: clock.now().timestamp()) as api:
        yield api
    assert api.violations == []
    assert api.late_interactions() == []
    assert api.rate_limited == []


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


async def to_count(
    api: DiscordStandIn, coach: Coach, user: DcUser
) -> tuple[InteractionRecord, StoredMessage]:
    """Through the safety note and the check to drill 1, then Count me through."""
    texts = shipped_content().texts
    record = await api.command(user, "warmup")
    disclaimer = await newest_with(api, record, texts.start.accept)
    soreness = await press_through(api, user, disclaimer, texts.start.accept, "Sore")
    sharp = await press_through(api, user, soreness, "Sore", texts.warmup.sharp_no)
    drill = await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)
    pressed = await api.press(user, drill, texts.warmup.count_me)
    counting = await newest_with(api, pressed, texts.warmup.count_stop)
    await showing(runner_of(coach))  # the adapter has sent its message
    return pressed, counting


async def count_for(coach: Coach, clock: FakeClock, seconds: float) -> None:
    runner = runner_of(coach)
    for _ in range(round(seconds / 0.5)):
        clock.advance(seconds=0.5)
        await runner.run_due()


async def test_the_count_edits_the_interactions_message(
    api: DiscordStandIn, coach: Coach, clock: FakeClock
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        runner_of(coach).attach({"discord": adapter})
        pressed, counting = await to_count(api, coach, user)
        assert "get ready" in counting.content
        before = len(api.from_bot(api.dm_channel(user)))
        await count_for(coach, clock, 60)
        edits = api.webhook_edits[pressed.token]
        assert len(edits) >= 17  # every bounce of both legs, the switch, the end
        assert min(b - a for a, b in itertools.pairwise(edits)) >= 1.5
        assert len(api.from_bot(api.dm_channel(user))) == before  # edits, no new messages
        final = api.messages[counting.id]
        assert "all counted" in final.content
        assert final.labels() == DRILL
        nxt = await press_through(api, user, final, "Done", "Done")
        assert nxt.content.startswith("Drill 2 of 3")


async def test_stop_mid_count_on_discord_is_one_final_message(
    api: DiscordStandIn, coach: Coach, clock: FakeClock
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        runner_of(coach).attach({"discord": adapter})
        pressed, counting = await to_count(api, coach, user)
        await count_for(coach, clock, 10)
        edits = len(api.webhook_edits[pressed.token])
        stop = await api.press(user, api.messages[counting.id], "Stop the count")
        stopped = await newest_with(api, stop, "Done")
        assert stopped.content.startswith("Count stopped")
        await count_for(coach, clock, 60)
        assert len(api.webhook_edits[pressed.token]) == edits  # not one beat more
        assert [m.id for m in api.replies(stop) if m.id != counting.id] == [stopped.id]


async def test_an_edit_after_the_tokens_15_minutes_leaves_the_buttons_as_a_message(
    api: DiscordStandIn, coach: Coach, clock: FakeClock
) -> None:
    """The stand-in refuses the expired token (401), and the runner still gets the
    drill's buttons: as a new message instead of an edit."""
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        runner_of(coach).attach({"discord": adapter})
        _, counting = await to_count(api, coach, user)
        before = len(api.from_bot(api.dm_channel(user)))
        clock.advance(minutes=16)  # the timer held up far past the token's life
        await runner_of(coach).run_due()
        assert api.violations == ["interaction 'v2' used after its token's 15 minutes"] or any(
            "15 minutes" in v for v in api.violations
        )
        api.violations.clear()  # broken on purpose
        await api.wait_until(lambda: len(api.from_bot(api.dm_channel(user))) == before + 1)
        last = api.from_bot(api.dm_channel(user))[-1]
        assert "all counted" in last.content
        assert last.labels() == DRILL
        assert api.messages[counting.id].labels() == ["Stop the count"]  # never edited
