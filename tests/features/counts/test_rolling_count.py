"""'Count me through' on each rolling area of a tight-spot plan, on the injected clock."""

from __future__ import annotations

from bot.core.messages import ChoiceMade
from bot.testing import Chat, FakeClock
from tests.features.counts.test_warmup_count import Screen, run_for, runner_of


async def plan_for(chat: Chat, words: str) -> list[str]:
    await chat.command("start")
    await chat.press("I understand")
    await chat.say(words)
    return [c.label for c in chat.last_choices()]


async def count_area(chat: Chat, label: str) -> Screen:
    outcome = await chat.press(label)
    [reply] = outcome.replies
    assert reply.count is not None
    screen = Screen()
    runner_of(chat).opened(reply.count, chat.key, screen)
    return screen


async def test_each_rolling_area_of_a_plan_has_its_own_count(chat: Chat) -> None:
    labels = await plan_for(chat, "my left glute is tight and so is my left calf, 4/10")
    assert "Count me through: left glute" in labels
    assert "Count me through: left calf" in labels


async def test_one_side_is_counted_for_its_seconds_then_the_next_area_is_offered(
    chat: Chat, clock: FakeClock
) -> None:
    await plan_for(chat, "my left glute is tight and so is my left calf, 4/10")
    screen = await count_area(chat, "Count me through: left glute")
    opening = chat.outcomes[-1].replies[0]
    assert opening.text.startswith("Left glute: get into place")
    assert [c.label for c in opening.choices] == ["Stop the count"]
    await run_for(chat, clock, 30)
    assert "Left glute: 30 s to go" in screen.texts()
    await run_for(chat, clock, 40)
    text, choices = screen.shown[-1]
    assert text.startswith("Left glute: done")
    assert [c.label for c in choices] == ["Count me through: left calf"]
    assert not any("Switch legs" in t for t in screen.texts())  # one side only
    # The next area's button starts its count.
    outcome = await chat.send(ChoiceMade(choices[0].payload))
    assert outcome.replies[0].text.startswith("Left calf: get into place")


async def test_both_legs_switch_halfway(chat: Chat, clock: FakeClock) -> None:
    labels = await plan_for(chat, "both my quads are tight, 5/10")
    label = next(label for label in labels if label.startswith("Count me through"))
    screen = await count_area(chat, label)
    await run_for(chat, clock, 130)
    texts = screen.texts()
    switch = next(i for i, t in enumerate(texts) if t.startswith("Switch legs: Right quad"))
    assert any(t.startswith("Left quad: 5 s to go") for t in texts[:switch])
    assert any(t.startswith("Right quad: 5 s to go") for t in texts[switch:])
    assert texts[-1].startswith("Both quads: done")


async def test_stop_during_a_rolling_count_is_one_last_message(
    chat: Chat, clock: FakeClock
) -> None:
    await plan_for(chat, "my left glute is tight, 4/10")
    screen = await count_area(chat, "Count me through: left glute")
    await run_for(chat, clock, 12)
    seen = len(screen.shown)
    outcome = await chat.press("Stop the count")
    assert [r.text for r in outcome.replies] == [
        "Count stopped. Roll on at your own pace, or stop there."
    ]
    await run_for(chat, clock, 90)
    assert len(screen.shown) == seen


async def test_cancel_stops_a_rolling_count_outside_any_flow(chat: Chat, clock: FakeClock) -> None:
    await plan_for(chat, "my left glute is tight, 4/10")
    screen = await count_area(chat, "Count me through: left glute")
    await run_for(chat, clock, 12)
    seen = len(screen.shown)
    outcome = await chat.command("cancel")
    assert [r.text for r in outcome.replies] == ["Okay, stopped. Nothing else changed."]
    await run_for(chat, clock, 90)
    assert len(screen.shown) == seen
