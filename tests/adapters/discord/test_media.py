"""Drill demos on Discord: the animation attached and shown in an embed under the
drill's text, its buttons below; an upload Discord refuses leaves the text."""

from __future__ import annotations

from bot.core.engine import Coach
from bot.media.library import MediaLibrary
from bot.testing import shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, press_through, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser, StoredMessage


async def _first_drill(api: DiscordStandIn, user: DcUser, *, in_guild: bool) -> StoredMessage:
    texts = shipped_content().texts
    record = await api.command(user, "warmup", in_guild=in_guild)
    disclaimer = await newest_with(api, record, texts.start.accept)
    soreness = await press_through(api, user, disclaimer, texts.start.accept, "Sore")
    sharp = await press_through(api, user, soreness, "Sore", texts.warmup.sharp_no)
    return await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)


async def test_a_drill_shows_its_animation_in_an_embed(
    api: DiscordStandIn, coach: Coach, pictures: MediaLibrary
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach, pictures=pictures), api):
        drill = await _first_drill(api, user, in_guild=True)
    gentle = shipped_content().drills.by_id("bouncing_lunges").gentle
    assert drill.content.startswith("Drill 1 of 3: Bouncing lunges")
    assert gentle.steps[0].text in drill.content  # "Sore": the gentle variant
    [attachment] = drill.attachments
    assert attachment.filename == "bouncing_lunges-gentle.gif"
    assert attachment.data[:6] == b"GIF89a"
    alt = shipped_content().media.poses.demos["bouncing_lunges"]["gentle"].alt
    assert attachment.description == alt
    [embed] = drill.embeds
    assert embed["image"]["url"] == "attachment://bouncing_lunges-gentle.gif"
    assert drill.labels() == ["Done", "Skip", "Stop", "That hurt", "Count me through"]


async def test_a_refused_upload_leaves_the_drill_as_text(
    api: DiscordStandIn, coach: Coach, pictures: MediaLibrary
) -> None:
    user = api.user("ann")
    api.refuse_uploads = 1
    async with running(make_adapter(api, coach, pictures=pictures), api):
        drill = await _first_drill(api, user, in_guild=False)
    assert api.refuse_uploads == 0  # the upload was tried, and refused
    assert drill.content.startswith("Drill 1 of 3: Bouncing lunges")
    assert drill.attachments == []
    assert drill.embeds == []
    assert drill.labels() == ["Done", "Skip", "Stop", "That hurt", "Count me through"]
