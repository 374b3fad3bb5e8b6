"""The send budget every worker shares, on PostgreSQL.

Reservations are exact with an injected clock (``now``): the bot-wide bucket spaces sends
evenly, a bulk send never books ahead, an interactive one does, chats get their burst of
three and groups stay within 20 a minute, and a reply held back by its own chat's limit
leaves the bot's other sends their slots. Then three workers' pacers (each its own
engine, as three processes would have) send to Telegram's stand-in with its real flood
limits: together they draw no 429, a runner writing faster than the chat's limit
included.
"""

from __future__ import annotations

import asyncio
import itertools
import math

import aiohttp
import pytest

from bot.delivery import limits
from bot.delivery.budget import Booking, Bucket, SharedBudget
from bot.delivery.pacer import Pacer
from bot.storage.database import create_engine
from bot.storage.migrations import upgrade_to_head
from bot.storage.send_budget import PostgresSendBudget
from tests.standins.telegram_api import RateLimits, TelegramStandIn
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres

T0 = 1_800_000_000.0
ALL = Bucket("telegram:all", 1 / 29, shared=True)


def booked(wait: float) -> Booking:
    return Booking(pytest.approx(wait, abs=1e-6), booked=True)  # type: ignore[arg-type]


def not_booked(ask_again_in: float) -> Booking:
    return Booking(pytest.approx(ask_again_in, abs=1e-6), booked=False)  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def migrated(pg_url: str) -> str:  # noqa: F811
    engine = create_engine(pg_url)
    await upgrade_to_head(engine)
    await engine.dispose()
    return pg_url


async def test_bot_wide_sends_are_spaced_and_bulk_books_only_a_little_ahead(migrated: str) -> None:
    clock = Clock()
    engines = [create_engine(migrated) for _ in range(2)]
    first, second = (PostgresSendBudget(e, now=clock) for e in engines)
    try:
        assert await first.reserve([ALL], up_to=0) == booked(0.0)
        # The other worker, at the same moment: the slot is taken, and a bulk send books
        # nothing, so asking again changes nothing.
        assert await second.reserve([ALL], up_to=0) == not_booked(1 / 29)
        assert await second.reserve([ALL], up_to=0) == not_booked(1 / 29)
        # An interactive reply books the next slot and waits for it...
        assert await second.reserve([ALL], up_to=math.inf) == booked(1 / 29)
        # ...so a bulk send now waits behind it.
        assert await first.reserve([ALL], up_to=0) == not_booked(2 / 29)
        clock.now += 2 / 29
        assert await first.reserve([ALL], up_to=0) == booked(0.0)
        # Booking a little ahead is allowed as far as asked, and keeps slots back to back.
        assert await first.reserve([ALL], up_to=2 / 29) == booked(1 / 29)
        assert await second.reserve([ALL], up_to=1 / 29) == not_booked(1 / 29)
        assert await second.reserve([ALL], up_to=2 / 29) == booked(2 / 29)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_chat_gets_three_at_once_then_one_a_second(migrated: str) -> None:
    clock = Clock()
    engine = create_engine(migrated)
    store = PostgresSendBudget(engine, now=clock)
    chat = Bucket("telegram:c:abc", 1.0, 2.0)
    try:
        for _ in range(3):
            assert await store.reserve([chat], up_to=0) == booked(0.0)
        assert await store.reserve([chat], up_to=0) == not_booked(1.0)
        clock.now += 1.0
        assert await store.reserve([chat], up_to=0) == booked(0.0)
    finally:
        await engine.dispose()


async def test_a_group_never_gets_more_than_twenty_a_minute(migrated: str) -> None:
    clock = Clock()
    engine = create_engine(migrated)
    budget = SharedBudget(PostgresSendBudget(engine, now=clock), "telegram", limits.TELEGRAM)
    group = [b for b in budget.buckets("-100", group=True) if ":g:" in b.key]
    sent: list[float] = []
    try:
        while clock.now < T0 + 300:
            if (await PostgresSendBudget(engine, now=clock).reserve(group, up_to=0)).booked:
                sent.append(clock.now)
            clock.now += 0.25
    finally:
        await engine.dispose()
    assert len(sent) > 80  # close to the limit, not far below it
    for start in sent:
        assert sum(1 for at in sent if start <= at < start + 60) <= 20


async def test_a_reply_held_back_by_its_chat_leaves_the_bots_other_slots_free(
    migrated: str,
) -> None:
    clock = Clock()
    engine = create_engine(migrated)
    budget = SharedBudget(PostgresSendBudget(engine, now=clock), "telegram", limits.TELEGRAM)
    store = PostgresSendBudget(engine, now=clock)
    busy, other = budget.buckets("busy", group=False), budget.buckets("other", group=False)
    hold = 1 / 29
    try:
        # A runner who wrote three times at once: two replies go at once, and the chat's
        # limit lets the third go 0.25 s on (its burst, less the allowance for late
        # arrivals).
        for n in range(2):
            assert await store.reserve(busy, up_to=math.inf, hold=hold) == booked(n / 29)
        # The bot could send it at 2/29 s, so the chat holds it back by more than a slot:
        # nothing is booked, and asking again makes sense once the chat's slot is one
        # slot away.
        assert await store.reserve(busy, up_to=math.inf, hold=hold) == not_booked(0.25 - hold)
        # Meanwhile another runner's reminder still gets the bot's next slot.
        assert await store.reserve(other, up_to=3 / 29, hold=hold) == booked(2 / 29)
        clock.now += 0.25 - hold
        assert await store.reserve(busy, up_to=math.inf, hold=hold) == booked(hold)
    finally:
        await engine.dispose()


async def test_three_workers_together_draw_no_429(migrated: str) -> None:
    """90 messages, a third from each worker (bulk and interactive mixed), to 45 chats,
    and six replies at once to one runner who wrote six times, from all three."""
    engines = [create_engine(migrated) for _ in range(3)]
    pacers = [
        Pacer(
            limits.TELEGRAM,
            shared=SharedBudget(PostgresSendBudget(engine), "telegram", limits.TELEGRAM),
        )
        for engine in engines
    ]
    async with TelegramStandIn(rate_limits=RateLimits()) as api, aiohttp.ClientSession() as http:
        chats = [api.private_chat(api.user()) for _ in range(45)]
        busy = api.private_chat(api.user())
        url = f"{api.base_url}{api.token}/sendMessage"
        numbers = itertools.count()

        async def send(pacer: Pacer, chat_id: int, bulk: bool) -> None:
            await pacer.acquire(str(chat_id), bulk=bulk)
            text = f"message {next(numbers)}"
            async with http.post(url, json={"chat_id": chat_id, "text": text}) as response:
                assert response.status == 200, await response.text()

        try:
            await asyncio.gather(
                *(send(pacers[n % 3], chats[n % 45].id, bulk=n % 4 != 0) for n in range(90)),
                *(send(pacers[n % 3], busy.id, bulk=False) for n in range(6)),
            )
        finally:
            for pacer in pacers:
                await pacer.close()
            for engine in engines:
                await engine.dispose()
        assert api.throttled == []
        assert sum(len(api.bot_messages(chat)) for chat in chats) == 90
        assert len(api.bot_messages(busy)) == 6
