"""A connection that fails is tried again with back-off, until it is stopped or the
failure is one that trying again won't fix."""

from __future__ import annotations

import asyncio

from bot.adapters.supervise import Backoff, Supervisor


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_failures_are_retried_with_growing_delays_until_one_lasts() -> None:
    clock = _Clock()
    outcomes = ["fail", "fail", "fail", "healthy", "fail", "forever"]
    up = asyncio.Event()

    async def connect() -> None:
        outcome = outcomes.pop(0)
        if outcome == "healthy":
            clock.now += 120  # a long, good run, then the connection ended
            return
        if outcome == "forever":
            up.set()
            await asyncio.Event().wait()
        raise ConnectionError("gateway unreachable")

    backoff = Backoff(initial=1, maximum=3, factor=2, jitter=0, healthy_after=60)
    supervisor = Supervisor("test", connect, backoff, sleep=clock.sleep, clock=clock)
    supervisor.start()
    await asyncio.wait_for(up.wait(), 1)
    assert clock.slept == [1, 2, 3, 1, 2]  # capped at 3; back to 1 after the healthy run
    assert supervisor.attempts == 6
    assert supervisor.failures == 4
    await supervisor.stop()
    assert not supervisor.running


async def test_stop_interrupts_the_wait_between_attempts() -> None:
    async def connect() -> None:
        raise ConnectionError("down")

    supervisor = Supervisor("test", connect, Backoff(initial=30, maximum=30))
    supervisor.start()
    await asyncio.sleep(0.01)
    await asyncio.wait_for(supervisor.stop(), 1)
    assert supervisor.attempts == 1


async def test_a_start_that_failed_waits_then_is_retried_until_it_comes_up() -> None:
    clock = _Clock()
    outcomes = ["fail", "up"]
    up = asyncio.Event()

    async def come_up() -> None:
        if outcomes.pop(0) == "fail":
            raise ConnectionError("platform unreachable")
        up.set()
        await asyncio.Event().wait()  # up: hold until stopped

    backoff = Backoff(initial=5, maximum=300, jitter=0)
    supervisor = Supervisor("test", come_up, backoff, sleep=clock.sleep, clock=clock)
    supervisor.start(after_failure=True)  # the caller's own first attempt just died
    await asyncio.wait_for(up.wait(), 1)
    assert clock.slept == [5, 10]  # a wait before the first retry, a longer one after it
    assert (supervisor.attempts, supervisor.failures) == (2, 1)
    assert supervisor.running
    await supervisor.stop()
    assert not supervisor.running


async def test_a_failure_trying_again_wont_fix_ends_the_trying() -> None:
    clock = _Clock()

    async def come_up() -> None:
        raise PermissionError("token rejected")

    supervisor = Supervisor(
        "test",
        come_up,
        Backoff(initial=1, maximum=1, jitter=0),
        fatal=lambda exc: isinstance(exc, PermissionError),
        sleep=clock.sleep,
        clock=clock,
    )
    supervisor.start()

    async def ended() -> None:
        while supervisor.running:
            await asyncio.sleep(0)

    assert not supervisor.gave_up.is_set()
    await asyncio.wait_for(ended(), 1)
    assert (supervisor.attempts, supervisor.failures) == (1, 1)
    assert clock.slept == []
    assert supervisor.gave_up.is_set()  # the process is told it will not come back
    await supervisor.stop()
