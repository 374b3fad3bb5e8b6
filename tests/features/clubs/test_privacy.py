"""What the group sees of a club run: neutral words only, never a member's name, id or
health, whatever the members tell the coach."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.messages import Command, Text
from tests.features.clubs.harness import Club

# What the members said about themselves (the coach's general safety note may mention
# pain; a member's own report never reaches the group).
HEALTH_WORDS = ("really sore", "glute", "hamstring", "left")


async def test_no_health_data_or_names_reach_the_group(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    seen_in_group: list[str] = []
    for user in ("31", "32", "33"):
        outcome = await club.press_invite(user)
        seen_in_group += [r.text for r in outcome.replies if not r.private]
        # Health talk in the group goes private on a platform without whispers.
        told = await club.send(user, Text("my left glute is really sore and tight"))
        seen_in_group += [r.text for r in told.replies if not r.private]
        tight = await club.send(user, Command("tight", "left hamstring pain"))
        seen_in_group += [r.text for r in tight.replies if not r.private]
    club.clock.current = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    await club.run_due()
    seen_in_group += [s.reply.text for s in club.group_messages()]
    assert "3 runners joined the warm-up before Saturday's run." in seen_in_group
    for text in seen_in_group:
        lowered = text.casefold()
        assert not any(word in lowered for word in HEALTH_WORDS), text
        assert not any(user in text for user in ("31", "32", "33")), text


async def test_a_runner_who_opts_in_is_named_and_only_by_their_chosen_name(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    assert "name you as Ana" in "\n".join(
        r.text for r in (await club.send("41", Command("club", "name Ana"))).replies
    )
    bad = await club.send("42", Command("club", "name @everyone"))
    assert "without @" in bad.replies[0].text
    await club.send("43", Command("club", "name Cy"))
    await club.send("43", Command("club", "name off"))  # changed their mind
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    for user in ("41", "42", "43"):
        await club.press_invite(user)
    club.clock.current = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    await club.run_due()
    assert club.group_messages()[-1].reply.text == (
        "3 runners joined the warm-up before Saturday's run. Among them: Ana."
    )
