"""/tight and plain-words reports, through the coach as a user would meet them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.features.tight.content import NoRollPlan, RollPlan
from bot.features.tight.models import TightReport
from bot.testing import Chat


async def accept_safety_note(chat: Chat, content: Content) -> None:
    await chat.command("start")
    await chat.press(content.texts.start.accept)


async def stored_reports(sessions: async_sessionmaker[AsyncSession]) -> list[TightReport]:
    async with sessions() as session:
        return list(await session.scalars(select(TightReport).order_by(TightReport.id)))


async def report_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TightReport)) or 0)


def labels(chat: Chat) -> list[str]:
    return [choice.label for choice in chat.last_choices()]


async def test_plain_words_lead_to_a_confirmed_plan(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)

    await chat.say("my left glute is knotted and the outer thigh is tight")
    assert chat.last_text() == words.ask_intensity
    await chat.press(words.buttons.moderate)
    assert "left glute and left outer thigh (tight, 5/10)" in chat.last_text()
    assert await report_count(sessions) == 0, "nothing is stored before the runner confirms"

    await chat.press(words.buttons.looks_right)
    plan = chat.last_text()
    glutes = content.tight.smr.areas["glutes"]
    outer = content.tight.smr.areas["outer_thigh"]
    assert isinstance(glutes, RollPlan)
    assert isinstance(outer, RollPlan)
    assert content.tight.smr.heads_up in plan
    assert "Glutes and piriformis (buttock), left" in plan
    assert glutes.tool in plan
    assert outer.tool in plan
    assert words.saved in plan

    [report] = await stored_reports(sessions)
    assert report.areas == [
        {"area": "glutes", "side": "left"},
        {"area": "outer_thigh", "side": "left"},
    ]
    assert (report.kind, report.intensity) == ("tightness", 5)
    assert "glute is knotted" in report.text


async def test_a_red_flag_gets_triage_and_nothing_else(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    urgent = content.tight.triage.levels["urgent"]

    outcome = await chat.say("fell on a trail run and now I can't put weight on my left leg")
    [reply] = outcome.replies
    assert reply.text.startswith(urgent.headline)
    assert "a fall or a knock" in reply.text
    # Nothing says where this runner is: no health service's pages, only words true anywhere.
    assert "nhs.uk" not in reply.text
    assert "your local emergency number" in reply.text
    assert reply.choices == ()
    assert "Tool:" not in reply.text
    assert content.tight.smr.heads_up not in reply.text
    assert await report_count(sessions) == 0

    # Nothing is left half-open: the next message starts afresh.
    await chat.say("yes")
    assert "Tool:" not in chat.last_text()


async def test_a_red_flag_is_answered_even_before_the_safety_note(
    chat: Chat, content: Content
) -> None:
    outcome = await chat.say("sudden severe pain in my groin")
    assert outcome.replies[0].text.startswith(content.tight.triage.levels["urgent"].headline)


async def test_see_a_physio_level_names_the_reason(chat: Chat, content: Content) -> None:
    await accept_safety_note(chat, content)
    await chat.command("tight", "numbness down my left leg when I run")
    text = chat.last_text()
    assert text.startswith(content.tight.triage.levels["see_clinician"].headline)
    assert "numbness, tingling or weakness" in text


async def test_unsure_asks_with_a_multi_select_then_the_missing_details(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    glutes = content.tight.vocabulary.area("glutes").label
    await accept_safety_note(chat, content)

    await chat.say("tight hips")
    assert chat.last_text() == words.pick_unsure
    assert glutes in labels(chat)
    assert words.buttons.more in labels(chat)

    await chat.press(words.buttons.done)
    assert words.pick_at_least_one in chat.last_text(), "Done with nothing ticked"

    await chat.press(glutes)
    assert f"{words.buttons.tick} {glutes}" in labels(chat)
    await chat.press(words.buttons.done)
    assert chat.last_text() == words.ask_side.format(areas="glute")
    await chat.press(words.buttons.right)
    await chat.press(words.buttons.mild)
    assert "right glute (tight, 3/10)" in chat.last_text()
    await chat.press(words.buttons.looks_right)
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "glutes", "side": "right"}]


async def test_a_contradiction_is_resolved_and_a_knee_is_not_rolled(
    chat: Chat, content: Content
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.command("tight", "left and right knee, no, just left. tight, 4/10")
    assert "left knee (tight, 4/10)" in chat.last_text()
    await chat.press(words.buttons.looks_right)
    plan = chat.all_text()
    knees = content.tight.smr.areas["knees"]
    assert isinstance(knees, NoRollPlan)
    assert knees.why_not in plan
    assert "Quads (front of thigh), left" in plan
    assert "Calves, left" in plan


async def test_twenty_areas_at_once_asks_for_the_main_ones(chat: Chat, content: Content) -> None:
    words = content.tight.words.tight
    vocab = content.tight.vocabulary
    await accept_safety_note(chat, content)
    everything = ", ".join(area.short for area in vocab.areas) + ", shins, ankles, feet, neck"
    await chat.say(everything + " all tight")
    assert chat.last_text() == words.too_many.format(max=vocab.max_areas)
    ticked = [label for label in labels(chat) if label.startswith(words.buttons.tick)]
    assert len(ticked) == vocab.max_areas

    # One more than allowed is refused politely, and the ticks stay as they were.
    fifth = next(a.label for a in vocab.areas if f"{words.buttons.tick} {a.label}" not in ticked)
    await chat.press(fifth)
    assert words.picked_too_many.format(max=vocab.max_areas) in chat.last_text()
    assert [label for label in labels(chat) if label.startswith(words.buttons.tick)] == ticked


async def test_no_recognisable_area_asks_and_cancel_stores_nothing(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.command("tight", "blargh zzz")
    assert chat.last_text() == words.pick_none_found
    assert len(chat.last_choices()) == len(content.tight.area_ids()) + 2  # areas, Done, Cancel
    await chat.press(words.buttons.cancel)
    assert chat.last_text() == words.cancelled
    assert await report_count(sessions) == 0


async def test_strong_pain_chosen_by_button_is_triaged(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("my left calf hurts")
    await chat.press(words.buttons.strong)
    assert chat.last_text().startswith(content.tight.triage.levels["see_clinician"].headline)
    assert await report_count(sessions) == 0


async def test_typed_answers_work_at_every_step(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("hamstring")
    assert chat.last_text() == words.ask_side.format(areas="hamstring")
    await chat.say("purple")
    assert words.type_or_tap in chat.last_text(), "nonsense gets a nudge, not a state change"
    await chat.say("the right one")
    assert chat.last_text() == words.ask_intensity
    await chat.say("6")
    assert chat.last_text() == words.ask_kind
    await chat.say("just tight")
    await chat.say("yes")
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "hamstrings", "side": "right"}]
    assert (report.kind, report.intensity) == ("tightness", 6)


async def test_a_red_flag_typed_mid_flow_stops_it(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    await chat.say("left quad tight")
    await chat.say("actually there's tingling down my leg")
    assert chat.last_text().startswith(content.tight.triage.levels["see_clinician"].headline)
    await chat.say("yes")
    assert await report_count(sessions) == 0


async def test_change_goes_back_to_the_areas(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    calves = content.tight.vocabulary.area("calves").label
    quads = content.tight.vocabulary.area("quads").label
    await accept_safety_note(chat, content)
    await chat.say("right quad tight 3/10")
    await chat.press(words.buttons.change)
    assert f"{words.buttons.tick} {quads}" in labels(chat)
    await chat.press(f"{words.buttons.tick} {quads}")
    await chat.press(calves)
    await chat.press(words.buttons.done)
    await chat.press(words.buttons.left)
    assert "left calf (tight, 3/10)" in chat.last_text()
    await chat.press(words.buttons.looks_right)
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "calves", "side": "left"}]


async def test_everyday_chat_is_not_taken_for_a_report(chat: Chat, content: Content) -> None:
    await accept_safety_note(chat, content)
    await chat.say("thanks, see you tomorrow")
    assert chat.last_text().startswith(content.texts.common.free_text.split(".")[0])


async def test_a_report_before_the_safety_note_asks_for_it_first(
    chat: Chat, content: Content
) -> None:
    await chat.say("left glute tight 4/10")
    assert content.safety.disclaimer.text in chat.last_text()
    await chat.press(content.texts.start.accept)
    assert "left glute (tight, 4/10)" in chat.all_text()
