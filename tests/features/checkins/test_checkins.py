"""After-run check-ins through the reminder outbox, on a controllable clock: asked once per
run, never at night or after a skipped run, answers attached to the right run, and what
the next warm-up makes of them."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.features.reminders.dispatcher import Dispatcher, PassReport
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.checkins.harness import answers, at, checkin_rows, questions, receive
from tests.features.reminders.harness import dispatcher_for, ready_chat

# FakeClock starts Monday 23 November 2026, 06:00 UTC (06:00 in London).


async def remind_and_fire(
    chat: Chat, dispatcher: Dispatcher, clock: FakeClock, rule: str, fire: str
) -> None:
    await chat.command("remind", rule)
    clock.current = at(fire)
    assert (await dispatcher.run_once()).sent == 1


async def test_the_question_comes_ninety_minutes_after_the_run_and_only_once(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")

    clock.current = at("2026-11-23 09:29")
    assert (await dispatcher.run_once()).sent == 0
    clock.current = at("2026-11-23 09:30")
    assert (await dispatcher.run_once()).sent == 1
    assert (await dispatcher.run_once()).sent == 0
    [question] = questions(adapter)
    assert question.text == "How did your hips feel on your 08:00 run?"
    assert [c.label for c in question.choices] == ["Fine 👍", "Tight", "Sore", "Pain"]
    assert await dispatcher.earliest() == at("2026-11-24 07:30")  # tomorrow's reminder


async def test_an_answer_is_stored_once_and_shapes_the_next_warm_up(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    clock.current = at("2026-11-23 09:30")
    await dispatcher.run_once()
    receive(rchat, questions(adapter)[-1])
    await rchat.press("Tight")
    assert "Where did you feel it?" in rchat.last_text()
    await rchat.press("Glutes")
    assert "tightness in your glutes after your Monday 08:00 run" in rchat.last_text()
    assert [c.label for c in rchat.last_choices()] == ["Rolling routine"]
    assert all(reply.private for reply in rchat.outcomes[-1].replies)
    [stored] = await answers(sessions)
    assert (stored.feeling, stored.area) == ("tight", "glutes")
    assert stored.run_at == at("2026-11-23 08:00")

    # Pressing the question's button again is refused politely and changes nothing.
    receive(rchat, questions(adapter)[-1])
    await rchat.press("Fine 👍")
    assert rchat.last_text() == "I have your check-in for that run already (Tight). Thanks!"
    assert len(await answers(sessions)) == 1

    await rchat.command("warmup")
    await rchat.press("Loose 😊")
    await rchat.press("No, just stiff or fine")
    text = rchat.all_text()
    assert "Your last run left tightness in your glutes, so we roll there first" in text
    assert "Glutes: sit on the roller" in text


async def test_a_skipped_run_is_not_asked_about(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    receive(rchat, adapter.sent[-1].reply)
    await rchat.press("Skip today")
    clock.current = at("2026-11-23 12:00")
    assert (await dispatcher.run_once()).sent == 0
    assert questions(adapter) == []
    [row] = await checkin_rows(sessions)
    assert row.status == "dismissed"


async def test_a_late_evening_run_is_asked_about_in_the_morning(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "today 21:30", "2026-11-23 21:00")
    for night in ("2026-11-23 23:00", "2026-11-24 03:00", "2026-11-24 06:59"):
        clock.current = at(night)
        assert (await dispatcher.run_once()).sent == 0, night
    clock.current = at("2026-11-24 07:00")
    assert (await dispatcher.run_once()).sent == 1
    assert questions(adapter)[-1].text == "How did your hips feel on your 21:30 run?"


async def test_the_morning_question_is_dropped_when_the_next_run_comes_first(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 06:30")
    await remind_and_fire(rchat, dispatcher, clock, "today 21:30", "2026-11-23 21:00")
    clock.current = at("2026-11-24 06:00")
    await dispatcher.run_once()  # the 06:30 reminder
    clock.current = at("2026-11-24 07:00")
    await dispatcher.run_once()
    assert questions(adapter) == []
    # Only the 06:30 run has a question planned (at 08:00).
    assert [row.occurrence_at for row in await checkin_rows(sessions)] == [at("2026-11-24 06:30")]


async def test_a_runner_in_tokyo_is_asked_on_tokyo_time(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat, "Asia/Tokyo")  # UTC+9: 06:00 UTC is 15:00 there
    await remind_and_fire(rchat, dispatcher, clock, "today 18:00", "2026-11-23 08:30")
    clock.current = at("2026-11-23 10:29")
    assert (await dispatcher.run_once()).sent == 0
    clock.current = at("2026-11-23 10:30")  # 19:30 in Tokyo
    assert (await dispatcher.run_once()).sent == 1
    assert questions(adapter)[-1].text == "How did your hips feel on your 18:00 run?"


async def test_across_the_spring_forward_the_morning_is_seven_local(
    sessions: async_sessionmaker[AsyncSession], content: Content, adapter: RecordingAdapter
) -> None:
    from tests.features.reminders.harness import reminder_coach

    clock = FakeClock(at("2027-03-27 12:00"))  # Saturday; London springs forward tonight
    chat = Chat(reminder_coach(sessions, content, clock))
    dispatcher = dispatcher_for(sessions, content, RecordingAdapter(clock), clock)
    await ready_chat(chat)
    await chat.command("remind", "today 21:00")
    clock.current = at("2027-03-27 20:30")
    assert (await dispatcher.run_once()).sent == 1
    clock.current = at("2027-03-28 05:59")
    assert (await dispatcher.run_once()).sent == 0
    clock.current = at("2027-03-28 06:00")  # 07:00 BST
    assert (await dispatcher.run_once()).sent == 1


async def test_two_runs_in_one_day_each_get_their_own_question_and_answer(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "today 18:00")
    await remind_and_fire(rchat, dispatcher, clock, "today 07:00", "2026-11-23 06:30")
    clock.current = at("2026-11-23 08:30")
    await dispatcher.run_once()
    receive(rchat, questions(adapter)[-1])
    await rchat.press("Fine 👍")
    clock.current = at("2026-11-23 17:30")
    await dispatcher.run_once()
    clock.current = at("2026-11-23 19:30")
    await dispatcher.run_once()
    assert [q.text for q in questions(adapter)] == [
        "How did your hips feel on your 07:00 run?",
        "How did your hips feel on your 18:00 run?",
    ]
    receive(rchat, questions(adapter)[-1])
    await rchat.press("Sore")
    await rchat.press("Back of thighs")
    stored = await answers(sessions)
    assert [(a.run_at, a.feeling, a.area) for a in stored] == [
        (at("2026-11-23 07:00"), "fine", None),
        (at("2026-11-23 18:00"), "sore", "hamstrings"),
    ]


async def test_an_answer_after_the_next_run_started_goes_to_the_run_it_was_about(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    clock.current = at("2026-11-23 09:30")
    await dispatcher.run_once()
    monday = questions(adapter)[-1]
    clock.current = at("2026-11-24 07:30")
    await dispatcher.run_once()  # Tuesday's reminder
    clock.current = at("2026-11-24 08:10")  # Tuesday's run has started
    receive(rchat, monday)
    await rchat.press("Fine 👍")
    assert "noted for your Monday 08:00 run" in rchat.last_text()
    assert "a newer one has started since" in rchat.last_text()
    [stored] = await answers(sessions)
    assert stored.run_at == at("2026-11-23 08:00")

    # Two days on, Monday's question is too old to answer: politely refused.
    clock.current = at("2026-11-25 22:00")
    receive(rchat, monday)
    await rchat.press("Pain")
    assert "a while ago now, so I've left it" in rchat.last_text()
    assert len(await answers(sessions)) == 1


async def test_ran_and_plain_words_start_a_check_in_about_the_latest_run(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    clock.current = at("2026-11-23 09:00")
    await rchat.say("just back from my run, left glute tight")
    assert "tightness in your left glute after your Monday 08:00 run" in rchat.last_text()
    # The planned question is then never sent.
    clock.current = at("2026-11-23 09:30")
    assert (await dispatcher.run_once()).sent == 0
    assert questions(adapter) == []

    # No planned run: /ran is about a run just now.
    clock.current = at("2026-11-24 18:00")
    await rchat.command("ran")
    assert rchat.last_text() == "How did your hips feel on that run?"
    await rchat.say("fine")
    await rchat.say("ran 10k, hips fine")  # the same run: already told
    stored = await answers(sessions)
    assert [(a.feeling, a.source) for a in stored] == [("tight", "words"), ("fine", "ran")]
    assert "I have your check-in for that run already" in rchat.last_text()


async def test_a_red_flag_in_a_check_in_answer_is_triaged_first(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("ran")
    await rchat.press("Pain")
    await rchat.say("I can't put weight on my leg since I fell")
    assert "urgent" in rchat.last_text().lower() or "emergency" in rchat.last_text().lower()
    assert await answers(sessions) == []


async def test_checkin_off_plans_no_question_and_a_delay_moves_it(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("checkin")
    assert "90 minutes after each planned run" in rchat.last_text()
    await rchat.command("checkin", "off")
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    assert await checkin_rows(sessions) == []
    await rchat.command("checkin", "45")
    assert "45 minutes after each planned run" in rchat.last_text()
    await rchat.command("checkin", "soon please")
    assert "a number of minutes from 15 to 360" in rchat.last_text()
    clock.current = at("2026-11-24 07:30")
    await dispatcher.run_once()
    [row] = await checkin_rows(sessions)
    assert row.due_at == at("2026-11-24 08:45")


async def test_a_question_claimed_by_a_killed_process_goes_out_once_after_restart(
    rchat: Chat,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    dispatcher: Dispatcher,
) -> None:
    await ready_chat(rchat)
    await remind_and_fire(rchat, dispatcher, clock, "daily 08:00", "2026-11-23 07:30")
    clock.current = at("2026-11-23 09:30")
    # The first process claims the question and dies before sending (kill -9).
    doomed = dispatcher_for(sessions, content, adapter, clock, worker="doomed")
    claimed, _ = await doomed._claim(clock.now(), PassReport())
    assert [item.kind for item in claimed] == ["checkin"]
    # Its successor, on the same SQLite file, takes the claim over at start.
    clock.advance(minutes=1)
    successor = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    await successor.recover()
    assert (await successor.run_once()).sent == 1
    assert (await successor.run_once()).sent == 0
    [question] = questions(adapter)
    assert "repeat" not in question.text  # never handed to the platform before
    [row] = await checkin_rows(sessions)
    assert row.status == "sent"


async def test_a_runner_stopped_mid_check_in_carries_on_after_a_restart(
    rchat: Chat,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    from tests.features.reminders.harness import reminder_coach

    await ready_chat(rchat)
    await rchat.command("ran")
    await rchat.press("Sore")
    where = rchat.last_choices()
    # A new process, the same database: the runner's place is kept.
    again = Chat(reminder_coach(sessions, content, clock), outcomes=list(rchat.outcomes))
    assert again.last_choices() == where
    await again.press("Inner thighs")
    assert "soreness in your inner thighs" in again.last_text()
    [stored] = await answers(sessions)
    assert (stored.feeling, stored.area) == ("sore", "inner_thighs")


async def test_sore_makes_it_gentle_pain_checks_first_and_fine_runs_earn_praise(
    rchat: Chat, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await rchat.command("ran", "hamstrings sore")
    await rchat.command("warmup")
    await rchat.press("Loose 😊")
    await rchat.press("No, just stiff or fine")
    assert "left soreness in the back of your thighs, so today is the gentle version" in (
        rchat.all_text()
    )
    await rchat.command("cancel")

    clock.advance(hours=1)
    await rchat.command("ran", "pain in my outer thigh")
    assert "Pain is not something to roll or stretch through" in rchat.last_text()
    await rchat.command("warmup")
    assert rchat.outcomes[-1].replies[0].text.startswith("Your last run hurt (your outer thighs)")
    await rchat.command("cancel")

    for _ in range(3):
        clock.advance(hours=1)
        await rchat.command("ran", "all good")
    await rchat.command("warmup")
    await rchat.press("Loose 😊")
    await rchat.press("No, just stiff or fine")
    assert "Fine after your last 3 runs" in rchat.all_text()


async def test_progress_and_export_include_check_ins_and_forget_erases_them(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    import json

    await ready_chat(rchat)
    await rchat.command("ran", "left glute tight")
    await rchat.command("progress")
    assert "After-run check-ins: 0 fine, 1 tight, 0 sore, 0 pain." in rchat.last_text()
    outcome = await rchat.command("export")
    document = next(r.document for r in outcome.replies if r.document is not None)
    exported = json.loads(document.data)["data"]
    assert [row["feeling"] for row in exported["checkin_answers"]] == ["tight"]
    await rchat.command("forget")
    await rchat.press("Yes, erase everything")
    assert await answers(sessions) == []


async def test_in_a_group_the_answer_is_never_shown_to_the_group(rcoach: Coach) -> None:
    from bot.core.messages import ConversationKey

    group = Chat(rcoach, key=ConversationKey("terminal", "group-1", "user-1"), is_private=False)
    await group.command("start")
    await group.press("I understand")
    await group.say("just back from my run, glute tight")
    assert group.outcomes[-1].replies[0].private_start == "ran"
    assert "glute" not in group.last_text()


async def test_a_side_typed_at_where_is_kept(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("ran")
    await rchat.press("Tight")
    await rchat.say("left glute")
    assert "tightness in your left glute" in rchat.last_text()
    [stored] = await answers(sessions)
    assert (stored.area, stored.side) == ("glutes", "left")


async def test_the_hips_typed_at_where_are_somewhere_else(rchat: Chat) -> None:
    await ready_chat(rchat)
    await rchat.command("ran")
    await rchat.press("Pain")
    await rchat.say("my right hip")
    assert "pain in your hips" in rchat.last_text()


async def test_a_place_that_is_no_area_keeps_the_where_question(rchat: Chat) -> None:
    await ready_chat(rchat)
    await rchat.command("ran")
    await rchat.press("Sore")
    buttons = rchat.last_choices()
    await rchat.say("calves")
    assert "Tap the closest area below" in rchat.last_text()
    assert rchat.last_choices() == buttons
    await rchat.say("right hamstring")
    assert "soreness in the back of your right thigh" in rchat.last_text()


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("sixty", 60),
        ("90 mins", 90),
        ("an hour", 60),
        ("2 hours", 120),
        ("3h", 180),
        ("about 45", 45),
    ],
)
async def test_checkin_takes_the_delay_in_everyday_words(
    rchat: Chat, typed: str, minutes: int
) -> None:
    await ready_chat(rchat)
    await rchat.command("checkin", typed)
    assert f"I'll ask how your hips felt {minutes} minutes after" in rchat.last_text()


@pytest.mark.parametrize("typed", ["turn it off", "no thanks", "stop asking", "0"])
async def test_checkin_turns_off_in_everyday_words(rchat: Chat, typed: str) -> None:
    await ready_chat(rchat)
    await rchat.command("checkin", typed)
    assert rchat.last_text().startswith("Done: no more after-run check-ins")
