"""/tight and plain-words reports, through the coach as a user would meet them."""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.features.tight.content import ADJUSTMENTS, Adjustment, NoRollPlan, RollPlan
from bot.features.tight.models import TightReport
from bot.features.tight.reading import AreaReading
from bot.features.tight.render import PLAN_LIMIT, one_screen_plan
from bot.testing import Chat, FakeClock


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


def plan_head(content: Content) -> str:
    return content.tight.words.tight.plan_head.split("{")[0]


async def test_a_clear_report_gets_its_plan_at_once_and_the_log_after(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)

    outcome = await chat.say("my left glute is knotted and the outer thigh is tight")
    [reply] = outcome.replies
    glutes = content.tight.smr.areas["glutes"]
    outer = content.tight.smr.areas["outer_thigh"]
    assert isinstance(glutes, RollPlan)
    assert isinstance(outer, RollPlan)
    assert "Rolling plan: left glute and left outer thigh (tight)" in reply.text
    assert content.tight.smr.preamble in reply.text
    assert f"• Left glute: {glutes.short_tool}" in reply.text
    assert glutes.brief in reply.text
    assert outer.brief in reply.text
    assert reply.text.endswith(words.log_strength), "the log's question comes after the plan"
    assert len(reply.text) <= PLAN_LIMIT
    assert [c.label for c in reply.choices][-4:] == [
        words.buttons.skip,
        words.buttons.more_detail,
        "Count me through: left glute",
        "Count me through: left outer thigh",
    ]

    [report] = await stored_reports(sessions)
    assert report.areas == [
        {"area": "glutes", "side": "left"},
        {"area": "outer_thigh", "side": "left"},
    ]
    assert (report.kind, report.intensity) == ("tightness", None)
    assert "glute is knotted" in report.text

    await chat.press("5")
    assert chat.last_text().startswith(
        words.updated.format(summary="left glute and left outer thigh (tight, 5/10)")
    )
    assert words.saved in chat.last_text()
    [report] = await stored_reports(sessions)
    assert report.intensity == 5


async def test_tight_with_words_asks_nothing_before_the_plan(chat: Chat, content: Content) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.command("tight", "tight quads")
    assert plan_head(content) in chat.last_text()
    assert chat.last_text().endswith(words.log_side)
    assert labels(chat)[:3] == [words.buttons.left, words.buttons.right, words.buttons.both]
    await chat.say("left")
    assert chat.last_text().startswith(words.updated.format(summary="left quad (tight)"))
    assert words.log_strength in chat.last_text()


async def test_more_detail_gives_the_full_technique_whenever_pressed(
    chat: Chat, content: Content
) -> None:
    words = content.tight.words.tight
    glutes = content.tight.smr.areas["glutes"]
    assert isinstance(glutes, RollPlan)
    await accept_safety_note(chat, content)
    await chat.say("left glute knotted, 4/10")
    detail = chat.button(words.buttons.more_detail)
    await chat.command("warmup")  # somewhere else entirely: the button still works
    await chat.press_payload(detail.payload)
    text = chat.last_text()
    assert content.tight.smr.heads_up in text
    assert "Glutes and piriformis (buttock), left" in text
    assert all(step in text for step in glutes.how)
    assert words.detail_sources in text
    assert "https://pmc.ncbi.nlm.nih.gov/articles/PMC4637917/" in text


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
    assert plan_head(content) not in reply.text
    assert content.tight.smr.preamble not in reply.text
    assert await report_count(sessions) == 0

    # Nothing is left half-open: the next message starts afresh.
    await chat.say("yes")
    assert plan_head(content) not in chat.last_text()


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


async def test_a_vague_report_asks_with_the_area_picker_then_gives_the_plan(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    glutes = content.tight.vocabulary.area("glutes").label
    await accept_safety_note(chat, content)

    await chat.say("my hips feel tight")
    assert chat.last_text() == words.pick_unsure
    assert glutes in labels(chat)
    assert words.buttons.more in labels(chat)
    assert await report_count(sessions) == 0, "nothing is guessed"

    await chat.press(words.buttons.done)
    assert words.pick_at_least_one in chat.last_text(), "Done with nothing ticked"

    await chat.press(glutes)
    assert f"{words.buttons.tick} {glutes}" in labels(chat)
    await chat.press(words.buttons.done)
    assert "Rolling plan: glute (tight)" in chat.last_text()
    await chat.press(words.buttons.right)
    await chat.press("3")
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "glutes", "side": "right"}]
    assert report.intensity == 3


async def test_only_what_changes_the_plan_is_asked_before_it(chat: Chat, content: Content) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("left hamstring")
    assert chat.last_text() == words.ask_kind
    await chat.press(words.kind_buttons["pain"])
    assert "Rolling plan: left hamstring (painful)" in chat.last_text()
    care = content.tight.smr.lighter.reasons["care"].line
    assert care in chat.last_text()
    assert chat.last_text().endswith(words.log_strength), "strength is for the log now"


async def test_pain_without_a_strength_asks_how_much_first(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    await chat.say("my left calf hurts")
    assert chat.last_text() == content.tight.words.tight.ask_strength
    await chat.press("8")
    assert chat.last_text().startswith(content.tight.triage.levels["see_clinician"].headline)
    assert await report_count(sessions) == 0


async def test_strong_pain_given_after_the_plan_is_triaged_and_not_kept(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("right hamstring")
    await chat.press(words.kind_buttons["pain"])
    assert await report_count(sessions) == 1
    await chat.say("9")
    assert chat.last_text().startswith(content.tight.triage.levels["see_clinician"].headline)
    assert await report_count(sessions) == 0


async def test_painful_strong_and_fresh_reports_get_a_lighter_plan_with_one_reason(
    coach: Coach, content: Content
) -> None:
    lighter = content.tight.smr.lighter.reasons
    calves = content.tight.smr.areas["quads"]
    assert isinstance(calves, RollPlan)
    for i, (text, reason) in enumerate(
        [
            ("a painful pinch in my hip flexor, 6/10", "care"),
            ("both quads after the marathon, 8/10", "fresh"),
            ("quads 7/10 tight", "strong"),
            ("I think I pulled my hamstring, 3/10", "wait"),
            ("tight quads 3/10", None),
        ]
    ):
        # A runner each: a race reported earlier would make the next plan lighter too.
        chat = Chat(coach, ConversationKey("terminal", f"runner-{i}", f"runner-{i}"))
        await accept_safety_note(chat, content)
        await chat.say(text)
        plan = chat.last_text()
        for name, words in lighter.items():
            line = words.line.format(score=7)
            if name == reason:
                assert line in plan, (text, name)
                assert len([x for x in plan.splitlines() if x == line]) == 1
            else:
                assert line not in plan, (text, name)
        if reason in ("fresh", "strong"):
            assert calves.light_time in plan
        if reason is None:
            assert calves.light_time not in plan


async def test_soreness_a_day_after_a_reported_race_is_doms(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    doms = content.tight.smr.lighter.reasons["doms"].line
    await accept_safety_note(chat, content)
    await chat.say("calves tight after the half marathon")
    assert doms not in chat.last_text()
    clock.advance(hours=30)
    await chat.say("my quads are tight")
    assert doms in chat.last_text()
    clock.advance(days=3)
    await chat.say("my quads are tight")
    assert doms not in chat.last_text()


async def test_the_preamble_is_shown_once_a_day(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    preamble = content.tight.smr.preamble
    await accept_safety_note(chat, content)
    await chat.say("tight quads 3/10")
    assert preamble in chat.last_text()
    clock.advance(hours=2)
    await chat.say("tight calves 3/10")
    assert plan_head(content) in chat.last_text()
    assert preamble not in chat.last_text()
    clock.advance(days=1)
    await chat.say("tight calves 3/10")
    assert preamble in chat.last_text()


async def test_the_preamble_day_is_the_runners_own(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    preamble = content.tight.smr.preamble
    await accept_safety_note(chat, content)
    await chat.command("timezone", "America/Toronto")
    # 06:00 UTC is 01:00 in Toronto: 20 hours later is 21:00 the same Toronto day.
    await chat.say("tight quads 3/10")
    assert preamble in chat.last_text()
    clock.advance(hours=20)
    await chat.say("tight quads 3/10")
    assert preamble not in chat.last_text()


async def test_a_three_area_plan_fits_one_screen(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    outcome = await chat.say("my lower back, left knee and right hamstring are achy")
    [reply] = outcome.replies
    assert plan_head(content) in reply.text
    assert len(reply.text) <= PLAN_LIMIT
    assert content.tight.smr.preamble in reply.text
    knees = content.tight.smr.areas["knees"]
    assert isinstance(knees, NoRollPlan)
    assert knees.brief in reply.text
    assert "Left quad" in reply.text, "the knee's neighbours"
    assert "Left calf" in reply.text
    assert "Right hamstring" in reply.text


def test_every_three_area_plan_fits_one_screen(content: Content) -> None:
    tight = content.tight
    longest = 0
    for trio in combinations(tight.area_ids(), 3):
        areas = [AreaReading(a, "both" if a != "lower_back" else None) for a in trio]
        adjustments: tuple[Adjustment | None, ...] = (None, *ADJUSTMENTS)
        for adjustment in adjustments:
            plan = one_screen_plan(
                tight,
                areas,
                "pain",
                7,
                adjustment,
                preamble=True,
                tail=f"{tight.words.tight.saved} {tight.words.tight.not_right}",
            )
            longest = max(longest, len(plan.text))
            assert len(plan.text) <= PLAN_LIMIT, trio
    print(f"\nlongest three-area plan: {longest} characters (limit {PLAN_LIMIT})")


async def test_a_contradiction_is_resolved_and_a_knee_is_not_rolled(
    chat: Chat, content: Content
) -> None:
    await accept_safety_note(chat, content)
    await chat.command("tight", "left and right knee, no, just left. tight, 4/10")
    plan = chat.last_text()
    assert "Rolling plan: left knee (tight, 4/10)" in plan
    knees = content.tight.smr.areas["knees"]
    assert isinstance(knees, NoRollPlan)
    assert knees.brief in plan
    assert "• Left quad:" in plan
    assert "• Left calf:" in plan
    assert "• Left knee: " in plan
    assert "• Knee" not in plan.replace("• Left knee", "")


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


async def test_typed_answers_work_and_chat_in_between_is_answered(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("hamstring")
    assert chat.last_text() == words.ask_kind
    await chat.say("thanks")
    assert chat.last_text() == content.texts.understanding.thanks_reply
    await chat.say("purple")
    assert words.type_or_tap in chat.last_text(), "nonsense gets a nudge, not a state change"
    await chat.say("just tight")
    assert chat.last_text().endswith(words.log_side)
    await chat.say("how often should i foam roll")
    assert plan_head(content) not in chat.last_text()
    assert words.type_or_tap not in chat.last_text(), "a question gets its answer, not a nudge"
    await chat.say("the right one")
    assert words.log_strength in chat.last_text()
    await chat.say("6")
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "hamstrings", "side": "right"}]
    assert (report.kind, report.intensity) == ("tightness", 6)
    strong = content.tight.smr.lighter.reasons["strong"].line.format(score=6)
    assert strong in chat.last_text(), "6/10 makes the plan lighter, in one line"


async def test_skip_keeps_the_report_as_it_is(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("tight calves")
    await chat.press(words.buttons.skip)
    assert words.saved in chat.last_text()
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "calves", "side": None}]
    await chat.say("left")
    assert chat.last_text().startswith(words.updated.format(summary="left calf (tight)")), (
        "a correction just after the plan still counts"
    )


async def test_corrections_at_the_log_question(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("my left hamstring is tight")
    await chat.say("no, both sides")
    assert chat.last_text().startswith(words.updated.format(summary="both hamstrings (tight)"))
    await chat.say("not the hamstring, the calf")
    assert "Rolling plan: both calves (tight)" in chat.last_text(), "a new area, a new plan"
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "calves", "side": "both"}]
    await chat.say("no")
    assert chat.last_text() == words.correction_ask


async def test_yes_to_a_plan_is_an_answer_not_a_puzzle(chat: Chat, content: Content) -> None:
    await accept_safety_note(chat, content)
    await chat.say("left calf knotted 3/10")
    for agreed in ("yes", "yeah ok"):
        await chat.say(agreed)
        assert chat.last_text() == content.tight.words.tight.saved


async def test_a_new_report_just_after_a_plan_is_not_taken_for_a_correction(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    await chat.say("tight quads 3/10")
    await chat.say("not my knee, my calf is tight")
    assert "Rolling plan: calf (tight)" in chat.last_text()
    reports = await stored_reports(sessions)
    assert [r.areas for r in reports] == [
        [{"area": "quads", "side": None}],
        [{"area": "calves", "side": None}],
    ]


async def test_a_correction_long_after_the_plan_is_not_taken_for_one(
    chat: Chat, content: Content, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    await chat.say("left calf knotted 3/10")
    clock.advance(minutes=content.tight.words.correction_window_minutes + 1)
    await chat.say("actually the right one")
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "calves", "side": "left"}]


async def test_a_typo_only_report_asks_once_to_confirm(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    await accept_safety_note(chat, content)
    await chat.say("my gltues are tight")
    assert chat.last_text() == words.confirm.format(summary="glute (tight)")
    await chat.say("yes, the left one")
    assert "Rolling plan: left glute (tight)" in chat.last_text()
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "glutes", "side": "left"}]


async def test_change_at_the_confirmation_goes_back_to_the_areas(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    words = content.tight.words.tight
    calves = content.tight.vocabulary.area("calves").label
    glutes = content.tight.vocabulary.area("glutes").label
    await accept_safety_note(chat, content)
    await chat.say("right gltues tight 3/10")
    await chat.press(words.buttons.change)
    assert f"{words.buttons.tick} {glutes}" in labels(chat)
    await chat.press(f"{words.buttons.tick} {glutes}")
    await chat.press(calves)
    await chat.press(words.buttons.done)
    assert "Rolling plan: calf (tight, 3/10)" in chat.last_text()
    await chat.press(words.buttons.right)
    [report] = await stored_reports(sessions)
    assert report.areas == [{"area": "calves", "side": "right"}]


async def test_a_red_flag_typed_mid_flow_stops_it(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept_safety_note(chat, content)
    await chat.say("left quad")
    await chat.say("actually there's tingling down my leg")
    assert chat.last_text().startswith(content.tight.triage.levels["see_clinician"].headline)
    await chat.say("yes")
    assert await report_count(sessions) == 0


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
    assert "Rolling plan: left glute (tight, 4/10)" in chat.all_text()
