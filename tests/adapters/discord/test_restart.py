"""Buttons outlive the process, forged ones change nothing, and the token never reaches a log."""

from __future__ import annotations

import io
import logging

import pytest

from bot.core.engine import Coach
from bot.core.messages import ChoiceMade
from bot.core.redaction import REDACTOR
from bot.testing import shipped_content
from tests.adapters.discord_harness import (
    Recorder,
    make_adapter,
    newest_with,
    press_through,
    running,
)
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser, StoredMessage


async def _to_first_drill(
    api: DiscordStandIn, coach: Coach, user: DcUser, *, in_guild: bool = False
) -> StoredMessage:
    texts = shipped_content().texts
    sore = shipped_content().routine.soreness_choices[0].label
    record = await api.command(user, "warmup", in_guild=in_guild)
    disclaimer = await newest_with(api, record, texts.start.accept)
    soreness = await press_through(api, user, disclaimer, texts.start.accept, sore)
    sharp = await press_through(api, user, soreness, sore, texts.warmup.sharp_no)
    return await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)


@pytest.mark.parametrize("in_guild", [False, True], ids=["dm", "server"])
async def test_a_press_after_a_restart_carries_on(
    api: DiscordStandIn, coach: Coach, in_guild: bool
) -> None:
    done = shipped_content().texts.warmup.done
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        drill_one = await _to_first_drill(api, coach, user, in_guild=in_guild)

    # A new process, same database: the old message's button still works.
    async with running(make_adapter(api, coach), api):
        drill_two = await press_through(api, user, drill_one, done, done)
    assert drill_two.content.startswith("Drill 2 of 3")
    assert drill_one.components == []
    assert api.identifies == 2


async def test_forged_buttons_are_answered_and_change_nothing(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content().texts
    recorder = Recorder(coach)
    user = api.user("ann")
    async with running(make_adapter(api, coach, recorder), api):
        drill_one = await _to_first_drill(api, coach, user)
        done_id = drill_one.custom_id(texts.warmup.done)
        forgeries = [
            "x" * 100,  # Discord's longest custom_id, nothing the coach would make
            "v1:zzzz:abcdef:wu.done",  # right shape, nobody's
            "'; DROP TABLE users; --",
            done_id.replace(done_id.split(":")[2], "aaaaaa"),  # this user's, a stale step
        ]
        for custom_id in forgeries:
            record = await api.press(user, drill_one, custom_id=custom_id, forge=True)
            await api.wait_until(lambda r=record: bool(api.replies(r)))  # type: ignore[misc]
            first = api.replies(record)[0]
            assert first.ephemeral
            assert first.content in {
                texts.common.unknown_button,
                texts.common.foreign_button,
                texts.common.expired_button,
            }
        assert drill_one.labels() == [
            texts.warmup.done,
            texts.warmup.skip,
            texts.warmup.stop,
            texts.warmup.hurt,
            texts.warmup.count_me,
        ]
        # None of them is a button of the message, so none reached the coach: still on
        # drill one, and the message's own Done moves on.
        assert not [i for i in recorder.inbound if i.event in [ChoiceMade(f) for f in forgeries]]
        drill_two = await press_through(api, user, drill_one, texts.warmup.done, texts.warmup.done)
    assert drill_two.content.startswith("Drill 2 of 3")


async def test_a_forged_global_press_on_anothers_message_edits_nothing(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content().texts
    recorder = Recorder(coach)
    ann, bob = api.user("ann"), api.user("bob")
    async with running(make_adapter(api, coach, recorder), api):
        drill_one = await _to_first_drill(api, coach, ann, in_guild=True)
        labels, edits = drill_one.labels(), drill_one.edits
        # Bob's own, validly signed menu button, pressed on Ann's message.
        forged = coach.buttons.encode(str(bob.id), "-", "menu.help")
        record = await api.press(bob, drill_one, custom_id=forged, forge=True)
        await api.wait_until(lambda: bool(api.replies(record)))
        assert [r.content for r in api.replies(record)] == [texts.common.unknown_button]
        assert not [i for i in recorder.inbound if i.event == ChoiceMade(forged)]
        # Bob presses Ann's real button: someone else's, so nothing is edited either.
        record = await api.press(bob, drill_one, texts.warmup.done)
        await api.wait_until(lambda: bool(api.replies(record)))
        assert api.replies(record)[0].content == texts.common.foreign_button
        assert (drill_one.labels(), drill_one.edits) == (labels, edits)
        # Ann's conversation never moved.
        drill_two = await press_through(api, ann, drill_one, texts.warmup.done, texts.warmup.done)
    assert drill_two.content.startswith("Drill 2 of 3")


async def test_the_token_is_in_no_log_line(api: DiscordStandIn, coach: Coach) -> None:
    raw = _Capture()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(REDACTOR)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(raw)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        user = api.user("ann")
        async with running(make_adapter(api, coach), api):
            await _to_first_drill(api, coach, user, in_guild=True)
            await api.drop_gateway(code=4000)  # reconnect: RESUME carries the token too
            await api.wait_connected()
    finally:
        root.removeHandler(raw)
        root.removeHandler(handler)
        root.setLevel(old_level)

    assert any(r.name.startswith("discord.") for r in raw.records), "discord.py logged nothing"
    # Not logged at all, at any level, by discord.py or the adapter ...
    assert not [r for r in raw.records if api.token in _render(r)]
    # ... and the token is registered, so the log pipeline would scrub it anyway.
    assert api.token not in stream.getvalue()
    assert api.token not in REDACTOR.scrub(f"token={api.token}")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _render(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text
