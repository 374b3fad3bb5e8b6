"""Club runs on a controllable clock: set by admins, announced once before each run in
the club's own wall-clock time (across DST), counted neutrally after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.messages import ChoiceMade, Command, Membership, Outcome, Text
from tests.features.clubs.harness import Club, private_replies, text_of


async def _invites_at(club: Club, expected: list[datetime]) -> None:
    """Each invite goes at its exact instant: nothing a minute early, one message then."""
    for at in expected:
        club.clock.current = at - timedelta(minutes=1)
        await club.run_due()
        before = len(club.group_messages())
        club.clock.current = at
        await club.run_due()
        sent = club.group_messages()[before:]
        assert [s.at for s in sent] == [at], f"expected one invite at {at}"
        assert "Warm up with me" in [c.label for c in sent[0].reply.choices]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # London leaves summer time on 25 October 2026: 08:00 is 07:00Z, then 08:00Z.
        (
            "sat 08:00 Europe/London 30",
            [datetime(2026, 10, 24, 6, 30, tzinfo=UTC), datetime(2026, 10, 31, 7, 30, tzinfo=UTC)],
        ),
        # New York leaves daylight time on 1 November 2026: 07:00 is 11:00Z, then 12:00Z.
        (
            "sun 07:00 America/New_York 45",
            [datetime(2026, 10, 25, 10, 15, tzinfo=UTC), datetime(2026, 11, 1, 11, 15, tzinfo=UTC)],
        ),
        # Sydney starts daylight time on 4 October 2026: 06:00 is 20:00Z, then 19:00Z, the
        # day before in UTC.
        (
            "sat 06:00 Australia/Sydney 15",
            [datetime(2026, 10, 2, 19, 45, tzinfo=UTC), datetime(2026, 10, 9, 18, 45, tzinfo=UTC)],
        ),
    ],
)
async def test_club_runs_in_three_zones_across_dst(
    club: Club, args: str, expected: list[datetime]
) -> None:
    club.clock.current = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)
    outcome = await club.admin(f"run {args}")
    assert "Club run saved" in text_of(outcome)
    await _invites_at(club, expected)


async def test_after_the_run_one_neutral_line_counts_who_warmed_up(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    for user in ("1", "2", "3", "3"):  # a second press by the same member counts once
        await club.press_invite(user)
    club.clock.current = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    await club.run_due()
    lines = [s.reply.text for s in club.group_messages()]
    assert lines[-1] == "3 runners joined the warm-up before Saturday's run."
    assert len(lines) == 2  # the invite and the line: the presses added nothing here
    await club.run_due()
    assert len(club.group_messages()) == 2


async def test_a_press_sends_the_member_their_own_warm_up_in_private(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    outcome = await club.press_invite("7")
    # Only private words, and no "sent privately" line in the group per press.
    assert outcome.replies
    assert all(r.private and r.quiet for r in outcome.replies)
    reply = private_replies(outcome)[0]
    # A member who never opened a private chat gets a deep link that starts the warm-up.
    assert reply.private_start == "warmup"
    assert [c.label for c in reply.choices] == ["Start warm-up"]
    # The group's message is not marked as pressed: its button stays for everyone.
    assert not outcome.accepted
    assert outcome.notice
    # The Start button works in the member's private chat and starts the warm-up there.
    start = reply.choices[0].payload
    private = await club.send("7", ChoiceMade(start), private=True)
    assert "safety" in text_of(private).casefold() or "warm" in text_of(private).casefold()


async def test_someone_elses_ordinary_button_still_refused(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    outcome = await club.press_invite("7")
    start = private_replies(outcome)[0].choices[0].payload
    stolen = await club.send("8", ChoiceMade(start))
    assert not stolen.accepted
    assert not stolen.replies


async def test_a_non_admin_changes_nothing_and_is_told_who_can(club: Club) -> None:
    member = Membership(admin=False, space=club.chat_id)
    outcome = await club.send("5", Command("club", "run sat 08:00 Europe/London 30"), member=member)
    assert "Only the group's admins" in text_of(outcome)
    assert "No club runs yet" in text_of(await club.send("5", Command("club")))


async def test_a_discord_member_without_manage_server_is_refused(club: Club) -> None:
    club.platform = "discord"
    member = Membership(admin=False, roles=("111",), space="guild-1")
    outcome = await club.send("5", Command("club", "run sat 08:00 Europe/London 30"), member=member)
    assert "Manage Server" in text_of(outcome)
    # Once an admin names a role, its members may set runs.
    await club.admin("role <@&111>")
    outcome = await club.send("5", Command("club", "run sat 08:00 Europe/London 30"), member=member)
    assert "Club run saved" in text_of(outcome)


async def test_unchecked_standing_changes_nothing(club: Club) -> None:
    outcome = await club.send("5", Command("club", "run sat 08:00 Europe/London 30"))
    assert "couldn't check" in text_of(outcome)


async def test_club_in_a_private_chat_explains_it_is_for_groups(club: Club) -> None:
    outcome = await club.send("5", Command("club", "run sat 08:00 Europe/London 30"), private=True)
    assert "for groups" in text_of(outcome)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ("run sat", "To add a club run"),
        ("run someday 08:00 Europe/London 30", "which days"),
        ("run sat 25:00 Europe/London 30", "isn't a time"),
        ("run sat 08:00 Mars/Olympus 30", "isn't a time zone"),
        ("run sat 08:00 Europe/London 999", "0 to 180"),
        ("delete 4", "no club run number 4"),
        ("dance", "To add a club run"),
    ],
)
async def test_bad_club_input_gets_a_short_answer(club: Club, args: str, words: str) -> None:
    assert words in text_of(await club.admin(args))


async def test_list_and_delete(club: Club) -> None:
    await club.admin("run sat 08:00 Europe/London 30")
    await club.admin("run tue,thu 18:30 Europe/London 15")
    listing = text_of(await club.admin(""))
    assert "1. Saturday at 08:00" in listing
    assert "2. Tuesday, Thursday at 18:30" in listing
    assert "Deleted" in text_of(await club.admin("delete 1"))
    assert "Saturday" not in text_of(await club.admin(""))


async def test_bot_removed_between_setting_and_firing_sends_nothing(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    await club.remove_bot()
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    club.clock.current = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    await club.run_due()
    assert club.group_messages() == []
    assert await club.dispatcher.earliest() is None  # nothing left to wake for
    # An admin's /club there again brings the runs back.
    assert "Good to be back" in text_of(await club.admin("weekly off"))
    assert await club.dispatcher.earliest() is not None


async def test_removed_after_the_invite_drops_the_after_line(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    await club.remove_bot()
    club.clock.current = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    await club.run_due()
    assert len(club.group_messages()) == 1


async def test_weekly_summary_on_and_off(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday
    await club.admin("run sat 08:00 Europe/London 30")
    assert "Weekly summary on" in text_of(await club.admin("weekly on"))
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await club.run_due()
    await club.press_invite("1")
    await club.press_invite("2")
    club.clock.current = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # Sunday 18:00 London
    await club.run_due()
    assert club.group_messages()[-1].reply.text.startswith("This week: 1 club runs, 2 warm-ups")
    assert "Weekly summary off" in text_of(await club.admin("weekly off"))
    club.clock.current = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    await club.run_due()
    assert not any("This week" in s.reply.text for s in club.group_messages()[4:])


async def test_missed_by_more_than_the_grace_window_is_skipped_not_burst(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # 30 min after the invite
    await club.run_due()
    club.clock.current = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    await club.run_due()
    assert club.group_messages() == []


async def test_the_guided_form_sets_a_run_with_buttons(club: Club) -> None:
    admin = Membership(admin=True, space=club.chat_id)

    async def press(label: str) -> Outcome:
        outcome = club_outcomes[-1]
        choice = next(c for r in outcome.replies for c in r.choices if c.label == label)
        pressed = await club.send("900", ChoiceMade(choice.payload), member=admin)
        club_outcomes.append(pressed)
        return pressed

    club_outcomes = [await club.admin("run")]
    assert "Which day(s)?" in text_of(club_outcomes[-1])
    await press("Sat")
    await press("✓ Sat")  # pressed again: off
    await press("Sun")
    await press("Next")
    await press("08")
    await press("08:15")
    zone_step = text_of(club_outcomes[-1])
    assert "Which time zone" in zone_step
    # No zone known yet: it is typed, in a reply to the coach.
    club_outcomes.append(await club.send("900", Text("Mars/Olympus"), member=admin))
    assert "isn't a time zone" in text_of(club_outcomes[-1])
    club_outcomes.append(await club.send("900", Text("Europe/Berlin"), member=admin))
    club_outcomes.append(club_outcomes[-1])
    await press("30 min")
    assert "Club run saved: 1. Sunday at 08:15 (Europe/Berlin)" in text_of(club_outcomes[-1])


async def test_edit_changes_a_run_in_place(club: Club) -> None:
    await club.admin("run sat 08:00 Europe/London 30")
    said = text_of(await club.admin("edit 1 sun 09:00 Europe/London 15"))
    assert "Changed: 1. Sunday at 09:00" in said
    listing = text_of(await club.admin(""))
    assert "Saturday" not in listing
    assert "warm-up message 15 min before" in listing


@pytest.mark.parametrize(
    ("answers", "saved"),
    [
        (["tue and thu", "7am", "30", "Europe/London", "15 min"], "Tuesday, Thursday at 07:30"),
        (["sat", "next", "8:15", "Europe/Berlin", "thirty"], "Saturday at 08:15"),
        (["Sundays", "6 pm", "00", "Europe/London", "45 minutes"], "Sunday at 18:00"),
    ],
)
async def test_the_guided_form_takes_typed_answers(
    club: Club, answers: list[str], saved: str
) -> None:
    admin = Membership(admin=True, space=club.chat_id)
    await club.admin("run")
    said = ""
    for answer in answers:
        said = text_of(await club.send("900", Text(answer), member=admin))
        assert "use the buttons" not in said, answer
    assert f"Club run saved: 1. {saved}" in said


async def test_a_typed_answer_the_form_cannot_take_changes_nothing(club: Club) -> None:
    admin = Membership(admin=True, space=club.chat_id)
    await club.admin("run")
    await club.send("900", Text("tue"), member=admin)
    said = text_of(await club.send("900", Text("3am"), member=admin))  # no button for 03
    assert "What hour" not in said
    said = text_of(await club.send("900", Text("7"), member=admin))
    assert "And the minutes?" in said
