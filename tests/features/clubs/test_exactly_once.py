"""A club's messages across a kill and a restart: claimed once, sent once, and what a
dead process held is sent by the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.features.clubs.outbox import ClubOutbox
from tests.features.clubs.harness import Club


def _outbox(club: Club) -> ClubOutbox:
    source = club.dispatcher.scheduled[0]
    assert isinstance(source, ClubOutbox)
    return source


async def _set_and_reach_invite(club: Club) -> None:
    club.clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    await club.admin("run sat 08:00 Europe/London 30")
    club.clock.current = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


async def test_killed_after_claiming_the_next_process_sends_it_once(club: Club) -> None:
    await _set_and_reach_invite(club)
    now = club.clock.now()
    # A process claims the invite, commits, and dies before sending it.
    held = await _outbox(club).claim(
        ["telegram"], now, "dead", now + timedelta(seconds=30), limit=10, take_over=False
    )
    assert len(held) == 1
    assert club.group_messages() == []
    club.clock.advance(seconds=5)
    restarted = club.new_dispatcher(takeover_at_start=True)
    await restarted.run_once()
    await restarted.run_once()
    invites = club.group_messages()
    assert len(invites) == 1
    assert "repeat" not in invites[0].reply.text  # never handed over: not a repeat


async def test_killed_mid_send_is_sent_again_saying_it_may_be_a_repeat(club: Club) -> None:
    await _set_and_reach_invite(club)
    now = club.clock.now()
    outbox = _outbox(club)
    held = await outbox.claim(
        ["telegram"], now, "dead", now + timedelta(seconds=30), limit=10, take_over=False
    )
    await outbox.attempted([held[0].id], "dead", now + timedelta(seconds=30))  # then the kill
    club.clock.advance(seconds=40)  # its lease ran out
    await club.new_dispatcher().run_once()
    invites = club.group_messages()
    assert len(invites) == 1
    assert "sorry for the repeat" in invites[0].reply.text


async def test_sent_and_recorded_is_never_sent_again_after_a_restart(club: Club) -> None:
    await _set_and_reach_invite(club)
    await club.run_due()
    assert len(club.group_messages()) == 1
    for _ in range(2):
        club.clock.advance(seconds=40)
        await club.new_dispatcher(takeover_at_start=True).run_once()
    assert len(club.group_messages()) == 1


async def test_a_stopping_dispatcher_releases_what_it_did_not_send(club: Club) -> None:
    await _set_and_reach_invite(club)
    club.dispatcher.stop_claiming()
    await club.run_due()
    assert club.group_messages() == []
    await club.new_dispatcher(takeover_at_start=True).run_once()
    assert len(club.group_messages()) == 1
