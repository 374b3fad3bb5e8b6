"""Outbound pacing: exact schedules with passed-in times, then the asyncio front for real."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import defaultdict

import pytest

from bot.delivery import limits
from bot.delivery.pacer import PaceLimits, Pacer, PaceSchedule, Priority, Ticket


def drain(schedule: PaceSchedule, start: float = 0.0) -> list[tuple[float, Ticket]]:
    """Run the schedule on simulated time until empty: (grant time, ticket) in order."""
    now = start
    grants: list[tuple[float, Ticket]] = []
    while True:
        result = schedule.take(now)
        if result is None:
            return grants
        if isinstance(result, Ticket):
            grants.append((now, result))
        else:
            assert result > 0
            now += result


def test_overall_rate_spaces_messages_evenly() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=10))
    for n in range(5):
        schedule.add(f"chat{n}")
    times = [t for t, _ in drain(schedule)]
    assert times == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_one_chat_gets_its_burst_then_one_a_second() -> None:
    schedule = PaceSchedule(
        PaceLimits(
            overall_per_second=100, overall_burst=100, per_chat_per_second=1, per_chat_burst=3
        )
    )
    for _ in range(5):
        schedule.add("a")
    times = [t for t, _ in drain(schedule)]
    assert times == pytest.approx([0.0, 0.0, 0.0, 1.0, 2.0])


def test_messages_to_one_chat_keep_their_order_while_others_interleave() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=100, per_chat_per_second=1))
    a1, a2 = schedule.add("a"), schedule.add("a")
    b1 = schedule.add("b")
    order = [ticket for _, ticket in drain(schedule)]
    assert order == [a1, b1, a2]


def test_group_chat_is_held_to_its_per_minute_window() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=100, per_group_per_minute=3))
    for _ in range(5):
        schedule.add("-100", group=True)
    times = [t for t, _ in drain(schedule)]
    # A window, not a bucket: the fourth waits a full minute after the first.
    assert times == pytest.approx([0.0, 0.01, 0.02, 60.0, 60.01])


def test_private_chat_is_not_counted_as_a_group() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=100, per_group_per_minute=1))
    for _ in range(3):
        schedule.add("42")
    assert [t for t, _ in drain(schedule)] == pytest.approx([0.0, 0.01, 0.02])


def test_interactive_reply_overtakes_queued_bulk_sends() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=10))
    bulk = [schedule.add(f"r{n}", priority=Priority.BULK) for n in range(5)]
    reply = schedule.add("user", priority=Priority.INTERACTIVE)
    order = [ticket for _, ticket in drain(schedule)]
    assert order == [reply, *bulk]


def test_bulk_goes_while_the_interactive_chat_is_still_held() -> None:
    schedule = PaceSchedule(
        PaceLimits(overall_per_second=100, per_chat_per_second=1, per_chat_burst=1)
    )
    first = schedule.add("user")
    second = schedule.add("user")
    reminder = schedule.add("other", priority=Priority.BULK)
    grants = drain(schedule)
    assert [ticket for _, ticket in grants] == [first, reminder, second]
    assert grants[2][0] == pytest.approx(1.0)


def test_deferred_chat_waits_and_others_do_not() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=100))
    schedule.defer("slow", until=5.0)
    held = schedule.add("slow")
    free = schedule.add("fast")
    grants = drain(schedule)
    assert [ticket for _, ticket in grants] == [free, held]
    assert grants[1][0] == pytest.approx(5.0)


def test_defer_everything_holds_every_chat() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=100))
    schedule.defer(None, until=2.0)
    schedule.add("a")
    schedule.add("b")
    assert [t for t, _ in drain(schedule)] == pytest.approx([2.0, 2.01])


def test_cancelled_ticket_is_never_granted() -> None:
    schedule = PaceSchedule(PaceLimits(overall_per_second=10))
    keep, drop = schedule.add("a"), schedule.add("b")
    schedule.cancel(drop)
    assert [ticket for _, ticket in drain(schedule)] == [keep]
    assert len(schedule) == 0


def test_empty_schedule_says_nothing_to_wait_for() -> None:
    assert PaceSchedule(limits.TELEGRAM).take(0.0) is None


def test_random_load_never_breaks_telegram_limits() -> None:
    """A mixed load under the Telegram preset, checked by an independent count of what went
    out when against Telegram's published limits (30/s, 1/s per chat after a burst of 3,
    20/min per group)."""
    rng = random.Random(7)
    schedule = PaceSchedule(limits.TELEGRAM)
    chats = [(f"u{n}", False) for n in range(40)] + [(f"-g{n}", True) for n in range(5)]
    for _ in range(600):
        chat, group = rng.choice(chats)
        schedule.add(chat, group=group, priority=rng.choice(list(Priority)))
    grants = drain(schedule)
    assert len(grants) == 600
    times = [t for t, _ in grants]
    for i, t in enumerate(times):
        in_last_second = sum(1 for u in times[: i + 1] if u > t - 1.0)
        assert in_last_second <= 30
    per_chat: dict[str, list[float]] = defaultdict(list)
    for t, ticket in grants:
        per_chat[ticket.chat].append(t)
    for chat, sent in per_chat.items():
        for i, t in enumerate(sent):
            # Burst of 3, then 1/s: never more than 3 + (elapsed seconds) in any stretch.
            for j in range(i):
                assert i - j + 1 <= 3 + (t - sent[j]) + 1e-9, chat
            if chat.startswith("-"):
                assert sum(1 for u in sent[: i + 1] if u > t - 60.0) <= 20


# ---------------------------------------------------------------- the asyncio front


async def test_pacer_grants_interactive_before_bulk_still_waiting() -> None:
    pacer = Pacer(PaceLimits(overall_per_second=50))
    order: list[str] = []

    async def send(name: str, *, bulk: bool) -> None:
        await pacer.acquire(name, bulk=bulk)
        order.append(name)

    tasks = [asyncio.create_task(send(f"r{n}", bulk=True)) for n in range(5)]
    tasks.append(asyncio.create_task(send("reply", bulk=False)))
    await asyncio.gather(*tasks)
    await pacer.close()
    # r0 went at once (nothing was queued); the reply overtook the four still waiting.
    assert order == ["r0", "reply", "r1", "r2", "r3", "r4"]


async def test_pacer_spaces_sends_at_the_overall_rate() -> None:
    rate = 100.0
    pacer = Pacer(PaceLimits(overall_per_second=rate))
    stamps: list[float] = []

    async def send(n: int) -> None:
        await pacer.acquire(f"c{n}")
        stamps.append(time.monotonic())

    await asyncio.gather(*(send(n) for n in range(12)))
    await pacer.close()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 1 / rate - 0.002  # timer granularity


async def test_cancelled_acquire_gives_up_its_place() -> None:
    pacer = Pacer(PaceLimits(overall_per_second=100, per_chat_per_second=0.5))
    await pacer.acquire("a")  # spends the chat's only token
    waiting = asyncio.create_task(pacer.acquire("a"))
    await asyncio.sleep(0)  # let it queue
    assert pacer.waiting == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert pacer.waiting == 0
    await pacer.acquire("b")  # other chats are unaffected
    await pacer.close()


async def test_deferred_chat_waits_out_retry_after() -> None:
    pacer = Pacer(PaceLimits(overall_per_second=100))
    pacer.defer("a", 0.15)
    start = time.monotonic()
    await pacer.acquire("b")
    assert time.monotonic() - start < 0.15
    await pacer.acquire("a")
    assert time.monotonic() - start >= 0.15
    await pacer.close()
