"""Club runs on the real python-telegram-bot against the Bot API stand-in: admins
checked with getChatMember, the group's one message and its "Warm up with me" button,
private warm-ups (a deep link for a member the coach can't write to first), and a club
that pauses when the coach is removed from the group."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import build_dispatcher
from bot.core.engine import Coach
from bot.features.clubs.models import Club
from bot.features.reminders.dispatcher import Dispatcher
from bot.testing import FakeClock, shipped_content
from tests.adapters.telegram_harness import assert_clean, running_bot, sent_message
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser

RUN = "run sat 08:00 Europe/London 30"
FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
INVITE_AT = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


def dispatcher(
    coach: Coach, sessions: async_sessionmaker[AsyncSession], bot: TelegramAdapter
) -> Dispatcher:
    return build_dispatcher(sessions, shipped_content(), [bot], coach.clock, buttons=coach.buttons)


async def club_command(api: TelegramStandIn, group: TgChat, user: TgUser, args: str) -> Call:
    mark = api.mark()
    api.send_command(group, user, "club", args, mention=True)
    return await api.wait_for(sent_message(group), since=mark)


async def test_only_group_admins_set_club_runs(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin, member = api.user("Ada"), api.user("Bo")
    group = api.group_chat()
    api.make_admin(group, admin, "creator")
    async with running_bot(api, coach, sessions):
        refused = await club_command(api, group, member, RUN)
        assert "Only the group's admins" in refused.params["text"]
        saved = await club_command(api, group, admin, RUN)
        assert "Club run saved" in saved.params["text"]
    checks = [c for c in api.calls if c.method == "getChatMember"]
    assert [c.params["user_id"] for c in checks] == [str(member.id), str(admin.id)]
    assert_clean(api)


async def test_a_club_run_from_invite_to_private_warm_ups(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    admin, known, stranger = api.user("Ada"), api.user("Cy"), api.user("Di")
    group = api.group_chat()
    api.make_admin(group, admin)
    private = api.private_chat(known)  # Cy has talked to the coach before; Di never has
    clock.current = FRIDAY
    async with running_bot(api, coach, sessions) as bot:
        await club_command(api, group, admin, RUN)
        clock.current = INVITE_AT
        mark = api.mark()
        await dispatcher(coach, sessions, bot).run_once()
        invite = await api.wait_for(sent_message(group, buttons=True), since=mark)
        assert "Club run Saturday at 08:00" in invite.params["text"]

        mark = api.mark()
        _, query = api.press_button(group, known, "Warm up with me")
        await api.wait_for_answer(query)
        first = await api.wait_for(sent_message(private, buttons=True), since=mark)
        assert "Start warm-up" in first.params["reply_markup"]
        assert [c.method for c in api.sent_to(group, since=mark)] == []  # nothing per press

        mark = api.mark()
        _, query = api.press_button(group, stranger, "Warm up with me")
        await api.wait_for_answer(query)
        # Telegram lets no bot write first: the group gets a deep link, in neutral words.
        note = await api.wait_for(sent_message(group), since=mark)
        [[button]] = json.loads(note.params["reply_markup"])["inline_keyboard"]
        assert button["url"] == f"https://t.me/{api.me.username}?start=warmup"
        assert "Di" not in note.params["text"]
        # The group's message keeps its button for everyone else.
        edits = [c for c in api.calls if c.method.startswith("editMessage")]
        assert edits == []
    assert api.violations == []


async def test_removed_from_the_group_before_the_run_nothing_is_posted(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    admin = api.user("Ada")
    group = api.group_chat()
    api.make_admin(group, admin)
    clock.current = FRIDAY
    async with running_bot(api, coach, sessions) as bot:
        await club_command(api, group, admin, RUN)
        update = api.remove_bot(group, admin, status="left")
        await api.wait_delivered(update)
        await club_paused(sessions, group)
        clock.current = INVITE_AT
        mark = api.mark()
        await dispatcher(coach, sessions, bot).run_once()
        # Not even tried: the club is paused, not just refused by Telegram.
        assert api.sent_to(group, since=mark) == []


async def club_paused(sessions: async_sessionmaker[AsyncSession], group: TgChat) -> None:
    for _ in range(200):
        async with sessions() as session:
            status = await session.scalar(select(Club.status).where(Club.chat_id == str(group.id)))
        if status == "paused":
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the club was not paused")
