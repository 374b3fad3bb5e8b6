"""A worker's reading of the database server's clock (the send budget's slots are moments
on it): the quickest round trip lately sets the offset, so an answer read late (a busy
event loop, a slow commit) does not move the worker's sends later."""

from __future__ import annotations

import pytest

from bot.storage.send_budget import ServerClock

OFFSET = 1_800_000_000.0  # the server's clock reads this much more than the worker's


def test_a_slot_lands_where_the_quickest_round_trip_puts_it() -> None:
    clock = ServerClock()
    # Asked at 10.000, answered at 10.002: the server read its clock in between.
    clock.sample(OFFSET + 10.001, sent=10.000, received=10.002)
    assert clock.local(OFFSET + 10.5) == pytest.approx(10.5, abs=1e-6)
    # An answer read 0.3 s late says little about the offset and changes nothing.
    clock.sample(OFFSET + 11.001, sent=11.000, received=11.300)
    assert clock.local(OFFSET + 12.0) == pytest.approx(12.0, abs=1e-6)


def test_a_quick_round_trip_long_ago_gives_way_to_a_fresh_one() -> None:
    clock = ServerClock()
    clock.sample(OFFSET + 10.0005, sent=10.000, received=10.001)
    # The clocks drift apart a little over a minute; a round trip of 10 ms now is
    # trusted more than one of 1 ms a minute ago.
    clock.sample(OFFSET + 70.010, sent=70.000, received=70.010)
    assert clock.local(OFFSET + 70.010) == pytest.approx(70.005, abs=1e-6)
