"""'Count me through' on a drill, through the core, on the injected clock: the beats the
runner sees, the halfway switch, and how a count ends (done, Stop, /cancel, a red flag,
a restart)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import count_runner
from bot.core.messages import Choice, ChoiceMade
from bot.features.counts.models import PacedCountRow
from bot.features.counts.runner import CountRunner
from bot.testing import Chat, FakeClock, RecordingAdapter


@dataclass
class Screen:
    """A count's message as the runner sees it: every version it was edited to."""

    shown: list[tuple[str, tuple[Choice, ...]]] = field(default_factory=list)

    async def show(self, text: str, choices: tuple[Choice, ...]) -> None:
        self.shown.append((text, choices))

    def texts(self) -> list[str]:
        return [text for text, _ in self.shown]


def runner_of(chat: Chat) -> CountRunner:
    runner = count_runner(chat.coach)
    assert runner is not None
    return runner


async def count_me_through(chat: Chat) -> Screen:
    """At drill 1, press "Count me through"; the count's opening message goes out."""
    await chat.to_first_drill()
    outcome = await chat.press("Count me through")
    [reply] = outcome.replies
    assert reply.count is not None
    screen = Screen()
    runner_of(chat).opened(reply.count, chat.key, screen)
    return screen


async def run_for(chat: Chat, clock: FakeClock, seconds: float, step: float = 0.5) -> None:
    runner = runner_of(chat)
    for _ in range(round(seconds / step)):
        clock.advance(seconds=step)
        await runner.run_due()


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(PacedCountRow.status))).all())


async def test_the_lunges_are_counted_8_a_leg_with_a_switch_halfway(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    screen = await count_me_through(chat)
    first = chat.outcomes[-1].replies[0]
    assert "get ready" in first.text
    assert "Right foot forward" in first.text
    assert [c.label for c in first.choices] == ["Stop the count"]
    await run_for(chat, clock, 60)
    texts = screen.texts()
    right = [t for t in texts if "Right foot forward" in t and "of 8" in t]
    left = [t for t in texts if "Left foot forward" in t and "of 8" in t]
    assert [t.splitlines()[-1] for t in right] == [f"Bounce {n} of 8" for n in range(1, 9)]
    assert [t.splitlines()[-1] for t in left] == [f"Bounce {n} of 8" for n in range(1, 9)]
    switch = next(i for i, t in enumerate(texts) if "Switch legs" in t)
    assert texts.index(right[-1]) < switch < texts.index(left[0])
    # The end: the drill's buttons, on the same message; they work.
    final_text, final_choices = screen.shown[-1]
    assert "all counted" in final_text
    assert [c.label for c in final_choices] == ["Done", "Skip", "Stop", "That hurt"]
    assert await statuses(sessions) == ["finished"]
    await chat.send(ChoiceMade(final_choices[0].payload))
    assert "Drill 2 of 3" in chat.last_text()


async def test_squats_and_soldiers_read_their_counts_from_content(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.to_first_drill()
    await chat.press("Done")
    outcome = await chat.press("Count me through")
    screen = Screen()
    runner_of(chat).opened(outcome.replies[0].count or "", chat.key, screen)
    await run_for(chat, clock, 60)
    assert sum("of 4" in t for t in screen.texts()) == 8  # 4 a leg
    assert any("Switch legs" in t for t in screen.texts())
    await chat.send(ChoiceMade(screen.shown[-1][1][0].payload))  # Done
    outcome = await chat.press("Count me through")
    screen = Screen()
    runner_of(chat).opened(outcome.replies[0].count or "", chat.key, screen)
    await run_for(chat, clock, 60)
    assert sum("of 12" in t for t in screen.texts()) == 12
    assert not any("Switch legs" in t for t in screen.texts())  # they alternate


async def test_edits_are_never_closer_than_a_second_and_a_half_and_coalesce_when_behind(
    chat: Chat, clock: FakeClock
) -> None:
    screen = await count_me_through(chat)
    runner = runner_of(chat)
    clock.advance(seconds=9)  # the timer was held up: three beats came due meanwhile
    await runner.run_due()
    await runner.run_due()
    assert len(screen.shown) == 1  # one edit, the newest beat, not a burst of stale ones
    assert screen.texts()[0].endswith("Bounce 4 of 8")
    await run_for(chat, clock, 60, step=0.25)
    times = [s.at for s in runner.shown]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1.5


async def test_stop_during_the_count_gives_exactly_one_last_message(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    screen = await count_me_through(chat)
    await run_for(chat, clock, 8)
    seen = len(screen.shown)
    outcome = await chat.press("Stop the count")
    assert [r.text for r in outcome.replies] == [
        "Count stopped. Finish at your own pace, then tell me how it went."
    ]
    assert [c.label for c in outcome.replies[0].choices] == ["Done", "Skip", "Stop", "That hurt"]
    await run_for(chat, clock, 60)
    assert len(screen.shown) == seen  # not one beat more
    assert await statuses(sessions) == ["stopped"]
    assert runner_of(chat).running == 0


async def test_cancel_during_the_count_stops_it(chat: Chat, clock: FakeClock) -> None:
    screen = await count_me_through(chat)
    await run_for(chat, clock, 6)
    seen = len(screen.shown)
    outcome = await chat.command("cancel")
    assert [r.text for r in outcome.replies] == ["Okay, stopped. Nothing else changed."]
    await run_for(chat, clock, 60)
    assert len(screen.shown) == seen


async def test_a_red_flag_typed_during_the_count_stops_it(chat: Chat, clock: FakeClock) -> None:
    screen = await count_me_through(chat)
    await run_for(chat, clock, 6)
    seen = len(screen.shown)
    await chat.say("my leg went numb and I can't put weight on it")
    assert chat.outcomes[-1].replies  # the red flag's advice
    await run_for(chat, clock, 60)
    assert len(screen.shown) == seen


async def test_a_restart_during_the_count_gives_one_line_and_the_drill_buttons(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    screen = await count_me_through(chat)
    await run_for(chat, clock, 6)
    await runner_of(chat).stop()  # the process stops mid-count
    # The next process, on the same database.
    runner = CountRunner(chat.coach.database, clock, "The count stopped when I restarted.")
    adapter = RecordingAdapter(clock)
    runner.attach({"terminal": adapter})
    clock.advance(seconds=30)
    assert await runner.recover() == 1
    [sent] = adapter.sent
    assert sent.reply.text.splitlines()[0] == "The count stopped when I restarted."
    assert [c.label for c in sent.reply.choices] == ["Done", "Skip", "Stop", "That hurt"]
    assert await runner.recover() == 0  # told once
    await run_for(chat, clock, 60)
    assert len(adapter.sent) == 1
    assert await statuses(sessions) == ["interrupted"]
    # Its buttons are the drill's, and still work.
    await chat.send(ChoiceMade(sent.reply.choices[0].payload))
    assert "Drill 2 of 3" in chat.last_text()
    assert screen.shown  # beats had been shown before the stop


async def test_forget_during_a_count_erases_it_and_stops_it(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    screen = await count_me_through(chat)
    await run_for(chat, clock, 6)
    seen = len(screen.shown)
    await chat.command("forget")
    await chat.press("Yes, erase everything")
    await run_for(chat, clock, 60)
    assert len(screen.shown) == seen
    assert await statuses(sessions) == []  # the count went with the rest


async def test_a_count_whose_message_never_went_out_is_given_up(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.to_first_drill()
    await chat.press("Count me through")  # no adapter reports the message sent
    await run_for(chat, clock, 90)
    assert runner_of(chat).running == 0
    assert await statuses(sessions) == ["unopened"]
