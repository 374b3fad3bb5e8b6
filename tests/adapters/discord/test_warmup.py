"""/warmup on Discord, through every drill by button presses, in a DM and in a server channel."""

from __future__ import annotations

import json

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, press_through, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser, StoredMessage


async def _warm_up(
    api: DiscordStandIn, coach: Coach, user: DcUser, *, in_guild: bool
) -> list[StoredMessage]:
    """Accept the safety note, answer the soreness check, press Done through every drill;
    returns the messages that asked something, in order."""
    texts = shipped_content().texts
    record = await api.command(user, "warmup", in_guild=in_guild)
    disclaimer = await newest_with(api, record, texts.start.accept)
    soreness = await press_through(api, user, disclaimer, texts.start.accept, "Sore")
    sharp = await press_through(api, user, soreness, "Sore", texts.warmup.sharp_no)
    drill = await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)
    asked = [disclaimer, soreness, sharp, drill]
    for _ in range(len(shipped_content().routine.drills) - 1):
        drill = await press_through(api, user, drill, texts.warmup.done, texts.warmup.done)
        asked.append(drill)
    last = await api.press(user, drill, texts.warmup.done)
    await api.wait_until(lambda: any("Nice work" in m.content for m in api.replies(last)))
    return asked


async def test_a_dm_warm_up_runs_every_drill_by_buttons(api: DiscordStandIn, coach: Coach) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        asked = await _warm_up(api, coach, user, in_guild=False)

    drills = shipped_content().routine.drills
    seen = [m.content for m in api.from_bot(api.dm_channel(user), seen_by=user)]
    headers = [c.splitlines()[0] for c in seen if c.startswith("Drill ")]
    assert headers == [
        f"Drill {n} of {len(drills)}: {shipped_content().drills.by_id(d).name}"
        for n, d in enumerate(drills, 1)
    ]
    assert seen[-1].startswith("Nice work! You finished the warm-up: 3 of 3 drills done")
    # Each answered question lost its buttons and shows what was chosen.
    for message in asked:
        assert message.components == []
        assert "» " in message.content
    assert "» Sore" in asked[1].content
    # In a DM nothing needs hiding: no ephemeral messages.
    assert not any(m.ephemeral for m in api.from_bot(api.dm_channel(user), seen_by=user))


async def test_a_server_warm_up_keeps_the_soreness_check_to_the_runner(
    api: DiscordStandIn, coach: Coach
) -> None:
    runner, clubmate = api.user("ann"), api.user("bo")
    async with running(make_adapter(api, coach), api):
        asked = await _warm_up(api, coach, runner, in_guild=True)

    _disclaimer, soreness, sharp, *drills = asked
    assert soreness.ephemeral
    assert sharp.ephemeral
    assert soreness.visible_to == sharp.visible_to == runner.id
    assert all(not m.ephemeral for m in drills)
    everyone = [m.content for m in api.from_bot(api.channel, seen_by=clubmate)]
    assert not any("how do your hips feel" in c for c in everyone)
    assert any(c.startswith("Drill 1 of 3") for c in everyone)
    assert any(c.startswith("Nice work!") for c in everyone)


async def test_a_clubmate_cannot_press_someone_elses_drill(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content().texts
    runner, clubmate = api.user("ann"), api.user("bo")
    async with running(make_adapter(api, coach), api):
        record = await api.command(runner, "warmup", in_guild=True)
        disclaimer = await newest_with(api, record, texts.start.accept)
        press = await api.press(clubmate, disclaimer, texts.start.accept)
        await api.wait_until(lambda: bool(api.replies(press)))

        [notice] = api.replies(press)
        assert notice.content == texts.common.foreign_button
        assert notice.ephemeral
        assert notice.visible_to == clubmate.id
        # The runner's message is untouched and still works for them.
        assert texts.start.accept in disclaimer.labels()
        await press_through(api, runner, disclaimer, texts.start.accept, "Sore")


async def test_export_in_a_server_is_only_for_the_asker(api: DiscordStandIn, coach: Coach) -> None:
    runner = api.user("ann")
    async with running(make_adapter(api, coach), api):
        await _warm_up(api, coach, runner, in_guild=True)
        record = await api.command(runner, "export", in_guild=True)
        await api.wait_until(lambda: any(m.attachments for m in api.replies(record)))

    [message] = api.replies(record)
    assert message.ephemeral
    assert message.visible_to == runner.id
    assert message.content == shipped_content().texts.privacy.export_caption
    [attachment] = message.attachments
    exported = json.loads(attachment.data)
    assert exported["data"]["checkins"][0]["soreness"] == 5


async def test_typing_in_a_dm_answers_the_soreness_check(api: DiscordStandIn, coach: Coach) -> None:
    texts = shipped_content().texts
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        record = await api.command(user, "warmup")
        disclaimer = await newest_with(api, record, texts.start.accept)
        await press_through(api, user, disclaimer, texts.start.accept, "Sore")
        before = len(api.from_bot(api.dm_channel(user), seen_by=user))
        await api.send_dm(user, "3")
        await api.wait_until(lambda: len(api.from_bot(api.dm_channel(user), seen_by=user)) > before)
    newest = api.from_bot(api.dm_channel(user), seen_by=user)[-1]
    assert newest.content == texts.warmup.sharp_question
    assert texts.warmup.sharp_no in newest.labels()
