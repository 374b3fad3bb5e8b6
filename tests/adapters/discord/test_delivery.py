"""Messages the bot starts itself, Discord's refusals and limits, and the 3-second rule."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.core.engine import Coach
from bot.core.messages import Choice, ConversationKey, Inbound, Outcome, Reply
from bot.core.ports import Unreachable
from bot.storage.models import User
from bot.testing import sessions_of, shipped_content
from tests.adapters.discord_harness import Recorder, make_adapter, newest_with, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser

MESSAGES = "/channels/{channel_id}/messages"


def _reminder() -> Reply:
    return Reply(
        "Your run is in 30 minutes. Warm up now?",
        choices=(
            Choice("Start warm-up", "v1:abcd:-:rem.start.1"),
            Choice("Snooze", "v1:abcd:-:rem.snooze.1"),
        ),
    )


def _key(api: DiscordStandIn, user: DcUser, *, in_guild: bool) -> ConversationKey:
    chat = api.channel.id if in_guild else api.dm_channel(user).id
    return ConversationKey("discord", str(chat), str(user.id))


async def test_a_reminder_goes_by_dm_even_when_set_in_a_server(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        await adapter.send(_key(api, user, in_guild=True), _reminder(), bulk=True)
    [message] = api.from_bot(api.dm_channel(user), seen_by=user)
    assert message.content == "Your run is in 30 minutes. Warm up now?"
    assert message.labels() == ["Start warm-up", "Snooze"]
    assert api.from_bot(api.channel) == []


async def test_a_user_who_closed_their_dms_is_marked_unreachable(
    api: DiscordStandIn, coach: Coach
) -> None:
    recorder = Recorder(coach)
    user = api.user("ann")
    api.unreachable.add(user.id)
    async with running(make_adapter(api, coach, recorder), api) as adapter:
        record = await api.command(user, "help")  # the user exists for the core
        await api.wait_until(lambda: bool(api.replies(record)))
        with pytest.raises(Unreachable):
            await adapter.send(_key(api, user, in_guild=False), _reminder(), bulk=True)
    assert recorder.unreachable == [_key(api, user, in_guild=False)]
    async with sessions_of(coach)() as session:
        row = await session.scalar(select(User).where(User.platform_user_id == str(user.id)))
    assert row is not None
    assert row.unreachable_since is not None
    assert [c.status for c in api.calls("POST", MESSAGES)] == [403]


async def test_a_rate_limited_send_waits_and_goes_through(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    api.rate_limit("POST", MESSAGES, times=2, retry_after=0.05)
    async with running(make_adapter(api, coach), api) as adapter:
        await adapter.send(_key(api, user, in_guild=False), _reminder(), bulk=True)
    assert api.rate_limited == [f"POST {MESSAGES}"] * 2
    assert [c.status for c in api.calls("POST", MESSAGES)] == [429, 429, 200]
    assert len(api.from_bot(api.dm_channel(user), seen_by=user)) == 1


async def test_a_rate_limited_follow_up_still_arrives(api: DiscordStandIn, coach: Coach) -> None:
    user = api.user("ann")
    api.rate_limit("POST", "/webhooks/{webhook_id}/{webhook_token}", retry_after=0.05)
    async with running(make_adapter(api, coach), api):
        record = await api.command(user, "warmup")  # two replies: the second is a follow-up
        await newest_with(api, record, shipped_content().texts.start.accept)
    assert api.rate_limited == ["POST /webhooks/{webhook_id}/{webhook_token}"]


async def test_bulk_sends_stay_under_discords_global_limit(
    api: DiscordStandIn, coach: Coach
) -> None:
    users = [api.user(f"runner{n}") for n in range(25)]
    async with running(make_adapter(api, coach), api) as adapter:  # the production pace
        start = len(api.requests)
        await asyncio.gather(
            *(adapter.send(_key(api, u, in_guild=False), _reminder(), bulk=True) for u in users)
        )
        sent = api.requests[start:]
    assert len(sent) == 50  # a DM channel and a message for each: unpaced, all in ~0.1 s
    times = sorted(r.at for r in sent)
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    assert busiest < 50


async def test_a_slow_answer_is_deferred_within_three_seconds(
    api: DiscordStandIn, coach: Coach
) -> None:
    async def slow(inbound: Inbound) -> Outcome:
        await asyncio.sleep(0.3)
        return await coach.handle(inbound)

    texts = shipped_content().texts
    user = api.user("ann")
    adapter = make_adapter(api, coach, handler=slow, answer_within=0.05)
    async with running(adapter, api):
        record = await api.command(user, "warmup", in_guild=True)
        disclaimer = await newest_with(api, record, texts.start.accept)
        press = await api.press(user, disclaimer, texts.start.accept)
        soreness = await newest_with(
            api, press, shipped_content().routine.soreness_choices[0].label
        )

    assert record.response_types == [5]  # deferred, "thinking"
    assert press.response_types == [6]  # deferred update of the pressed message
    assert not api.messages[record.original_message_id or 0].loading
    assert disclaimer.components == []  # marked as pressed after the deferral
    assert soreness.ephemeral
    assert all(i.latency is not None and i.latency < 0.3 for i in (record, press))
