"""Red-flag and sharp-pain advice names the emergency number where the runner is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Chat as TelegramChat
from telegram import Message, Update, User

from bot.adapters.telegram.inbound import to_inbound
from bot.testing import Chat

RED_FLAG = "fell on a trail run and now I can't put weight on my left leg"
SHARP = "sharp pain in my left hip"


async def _ready(chat: Chat, zone: str | None) -> None:
    await chat.command("start")
    await chat.press("I understand")
    if zone is not None:
        await chat.command("timezone", zone)


@pytest.mark.parametrize("text", [RED_FLAG, SHARP])
async def test_a_toronto_runner_is_told_911_and_nothing_british(chat: Chat, text: str) -> None:
    await _ready(chat, "America/Toronto")
    advice = (await chat.say(text)).replies[0].text
    assert "911" in advice
    assert "NHS" not in advice
    assert "A&E" not in advice


@pytest.mark.parametrize("text", [RED_FLAG, SHARP])
async def test_a_london_runner_is_told_999_and_nhs_111(chat: Chat, text: str) -> None:
    await _ready(chat, "Europe/London")
    advice = (await chat.say(text)).replies[0].text
    assert "999" in advice
    assert "NHS 111" in advice


async def test_no_zone_but_a_german_language_gets_112(chat: Chat) -> None:
    chat.locale = "de-DE"
    await _ready(chat, None)
    advice = (await chat.say(RED_FLAG)).replies[0].text
    assert "112" in advice
    assert "999" not in advice


async def test_nothing_known_gets_words_true_anywhere(chat: Chat) -> None:
    await _ready(chat, None)
    advice = (await chat.say(RED_FLAG)).replies[0].text
    assert "your local emergency number" in advice
    assert "999" not in advice
    assert "911" not in advice


@pytest.mark.parametrize(
    "text",
    [
        RED_FLAG,
        "numbness down my leg",
        "pinpoint pain on the bone of my left shin",
        "my hip has been sore for 3 weeks and is not getting better",
    ],
)
async def test_an_unknown_country_is_sent_to_no_health_services_pages(
    chat: Chat, text: str
) -> None:
    """ "Your local emergency number" with NHS pages about 999 and 111 would contradict itself."""
    await _ready(chat, None)
    advice = (await chat.say(text)).replies[0].text
    assert "your local emergency number" in advice
    for british in ("NHS", "nhs.uk", "A&E", "999", "111", "glos"):
        assert british not in advice, (british, advice)


async def test_an_unknown_country_still_gets_sources_that_hold_anywhere(chat: Chat) -> None:
    await _ready(chat, None)
    advice = (await chat.say("pinpoint pain on the bone of my left shin")).replies[0].text
    assert "More on this:" in advice
    assert "doi.org/10.2147/OAJSM.S39512" in advice  # the stress-fracture review


async def test_a_london_runner_gets_the_nhs_pages(chat: Chat) -> None:
    await _ready(chat, "Europe/London")
    advice = (await chat.say(RED_FLAG)).replies[0].text
    assert "nhs.uk" in advice


async def test_the_warm_up_sharp_pain_note_fits_the_runner_too(chat: Chat) -> None:
    await _ready(chat, "America/Toronto")
    await chat.command("warmup")
    await chat.press("Loose 😊")
    note = (await chat.press("Yes, something's sharp")).replies[0].text
    assert "911" in note
    assert "NHS" not in note
    assert "A&E" not in note


def test_telegram_passes_the_users_language_on() -> None:
    user = User(id=7, first_name="Runner", is_bot=False, language_code="de-DE")
    chat = TelegramChat(id=7, type=TelegramChat.PRIVATE)
    message = Message(
        message_id=1, date=datetime(2026, 11, 23, tzinfo=UTC), chat=chat, from_user=user, text="hi"
    )
    inbound = to_inbound(Update(update_id=1, message=message), "hipcoach_bot")
    assert inbound is not None
    assert inbound.locale == "de-DE"


async def test_a_message_without_a_locale_goes_by_the_one_sent_last(chat: Chat) -> None:
    """A Discord DM typed carries no locale; the runner's last command or press did."""
    chat.locale = "en-CA"
    await _ready(chat, None)
    chat.locale = None
    advice = (await chat.say(RED_FLAG)).replies[0].text
    assert "911" in advice
    assert "NHS" not in advice
