"""Button colours that mean something: green moves on, red erases, the rest grey."""

from __future__ import annotations

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, press_through, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import StoredMessage

SECONDARY, SUCCESS, DANGER = 2, 3, 4


def styles(message: StoredMessage) -> dict[str, int]:
    return {str(b["label"]): int(b["style"]) for b in message.buttons()}


async def test_done_on_a_drill_is_green_and_erasing_is_red(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content().texts
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        record = await api.command(user, "warmup")
        disclaimer = await newest_with(api, record, texts.start.accept)
        soreness = await press_through(api, user, disclaimer, texts.start.accept, "Sore")
        sharp = await press_through(api, user, soreness, "Sore", texts.warmup.sharp_no)
        drill = await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)
        drill_styles = styles(drill)
        forget = await api.command(user, "forget")
        confirm = await newest_with(api, forget, texts.privacy.forget_yes)
    assert drill_styles == {
        texts.warmup.done: SUCCESS,
        texts.warmup.skip: SECONDARY,
        texts.warmup.stop: SECONDARY,
        texts.warmup.hurt: SECONDARY,
        texts.warmup.count_me: SECONDARY,
    }
    assert styles(confirm) == {
        texts.privacy.forget_yes: DANGER,
        texts.privacy.forget_no: SECONDARY,
    }
