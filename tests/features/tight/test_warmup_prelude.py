"""A warm-up after a tight-spot report starts with rolling there, and says why."""

from __future__ import annotations

from bot.content import Content
from bot.testing import Chat, FakeClock
from tests.features.tight.test_flow import accept_safety_note


async def report(chat: Chat, content: Content, text: str) -> None:
    """A report with everything said: its plan comes at once, with nothing to answer."""
    await chat.say(text)
    assert content.tight.words.tight.saved in chat.last_text()


async def start_warmup(chat: Chat, content: Content, soreness_label: str) -> str:
    await chat.command("warmup")
    await chat.press(soreness_label)
    await chat.press(content.texts.warmup.sharp_no)
    return chat.last_text()


def soreness(content: Content, value: int) -> str:
    return next(c.label for c in content.routine.soreness_choices if c.value == value)


async def test_a_recent_report_adds_rolling_before_the_drills(chat: Chat, content: Content) -> None:
    prelude = content.tight.words.warmup_prelude
    await accept_safety_note(chat, content)
    await report(chat, content, "left glute knotted, 4/10 tight")

    text = await start_warmup(chat, content, soreness(content, 0))
    assert prelude.reason_areas.format(areas="left glute") in text
    assert prelude.intro in text
    assert "Glutes and piriformis (buttock)" in text
    assert text.index(prelude.intro) < text.index("Drill 1 of")
    assert content.texts.warmup.standard_reason.format(soreness=0) not in text


async def test_each_rolling_line_reads_as_sentences(chat: Chat, content: Content) -> None:
    await accept_safety_note(chat, content)
    await report(chat, content, "left outer thigh tight 3/10")
    text = await start_warmup(chat, content, soreness(content, 0))
    assert "• Outer thigh (IT band, TFL): Foam roller (go easy). About 30-45 seconds a leg." in text
    assert "), About" not in text


async def test_a_sore_day_with_a_report_says_both_in_one_line(chat: Chat, content: Content) -> None:
    prelude = content.tight.words.warmup_prelude
    await accept_safety_note(chat, content)
    await report(chat, content, "right calf tight 3/10")
    text = await start_warmup(chat, content, soreness(content, 5))
    assert prelude.reason_both.format(areas="right calf", score=5) in text


async def test_recent_pain_keeps_the_drills_gentle_on_a_good_day(
    chat: Chat, content: Content
) -> None:
    prelude = content.tight.words.warmup_prelude
    await accept_safety_note(chat, content)
    await report(chat, content, "left hamstring aches a bit, 3/10")
    text = await start_warmup(chat, content, soreness(content, 0))
    assert prelude.reason_gentle.format(areas="left hamstring") in text
    first = content.drills.by_id(content.routine.drills[0])
    assert first.variant(True).summary in text


async def test_old_reports_and_no_reports_leave_the_warm_up_as_it_was(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    prelude = content.tight.words.warmup_prelude
    await accept_safety_note(chat, content)
    text = await start_warmup(chat, content, soreness(content, 0))
    assert content.texts.warmup.standard_reason.format(soreness=0) in text
    assert prelude.intro not in text
    await chat.command("cancel")

    await report(chat, content, "left glute tight 4/10")
    clock.advance(days=content.tight.words.prelude_window_days + 1)
    text = await start_warmup(chat, content, soreness(content, 0))
    assert prelude.intro not in text


async def test_a_knee_report_rolls_the_neighbours_not_the_knee(
    chat: Chat, content: Content
) -> None:
    await accept_safety_note(chat, content)
    await report(chat, content, "right knee tight 3/10")
    text = await start_warmup(chat, content, soreness(content, 0))
    assert "Quads (front of thigh)" in text
    assert "• Knees" not in text
