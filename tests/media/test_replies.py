"""What the flows hand the platforms: each drill with its demo (the first step as its
caption), each release plan with a where-to-roll picture, /progress with its chart."""

from __future__ import annotations

from bot.content import Content
from bot.core.drawings import BodyMap, DrillDemo, ProgressChart, Spot
from bot.core.messages import ImageKind
from bot.testing import Chat, FakeClock
from tests.features.tight.test_flow import accept_safety_note
from tests.features.tight.test_warmup_prelude import report


async def test_each_drill_carries_its_demo_with_the_first_step_as_caption(
    chat: Chat, content: Content
) -> None:
    await chat.to_first_drill()
    for drill_id in content.routine.drills:
        [reply] = [r for r in chat.outcomes[-1].replies if r.choices]
        image = reply.image
        assert image is not None
        assert image.kind is ImageKind.ANIMATION
        assert image.drawing == DrillDemo(drill_id, "standard")
        steps = content.drills.by_id(drill_id).standard.steps
        assert image.caption is not None
        assert image.caption.splitlines()[-1].startswith(f"1. {steps[0].text}")
        assert reply.below_caption().startswith(f"2. {steps[1].text}")
        await chat.press(content.texts.warmup.done)


async def test_the_gentle_version_shows_the_gentle_demo(chat: Chat, content: Content) -> None:
    await chat.to_first_drill()
    await chat.press(content.texts.warmup.hurt)
    await chat.press(content.texts.warmup.hurt_uncomfortable)
    await chat.press(content.texts.warmup.gentle_version)
    [reply] = [r for r in chat.outcomes[-1].replies if r.choices]
    assert reply.image is not None
    assert reply.image.drawing == DrillDemo("bouncing_lunges", "gentle")


async def test_a_release_plan_carries_the_spots_and_sides_to_roll(
    chat: Chat, content: Content
) -> None:
    await accept_safety_note(chat, content)
    await report(chat, content, "left glute knotted and right calf tight, 4/10")
    pictures = [r.image for r in chat.outcomes[-1].replies if r.image is not None]
    [picture] = pictures
    assert isinstance(picture.drawing, BodyMap)
    assert picture.drawing.spots == (
        Spot("glutes", "left", "left glute"),
        Spot("calves", "right", "right calf"),
    )
    assert "left glute and right calf" in picture.alt


async def test_progress_carries_the_same_history_as_a_chart(
    chat: Chat, content: Content, clock: FakeClock
) -> None:
    await chat.to_first_drill()  # soreness 0, "Loose"
    for _ in content.routine.drills:
        await chat.press(content.texts.warmup.done)
    await report(chat, content, "left glute knotted, 4/10")
    warmed_up = clock.now().date()
    clock.advance(days=1)
    await chat.command("progress")
    [reply] = chat.outcomes[-1].replies
    assert reply.text.startswith(content.progress.title)  # the words stay beside it
    assert reply.image is not None
    chart = reply.image.drawing
    assert isinstance(chart, ProgressChart)
    assert chart.today == clock.now().date()
    assert chart.warmup_days == (warmed_up,)
    assert [value for _, value in chart.soreness] == [0]
    assert chart.areas == (("glute", 1),)  # as the summary names it
    assert reply.image.alt.startswith("A picture of your progress")
