"""The adapter base: the outbox marks and what a crash left held, one error outcome, one
report per refused chat, and numbered choices for a platform without buttons.
(Repeats are the core's: tests/core/test_exactly_once.py.)"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import pytest
from prometheus_client import REGISTRY

from bot.adapters.base import PlatformAdapter, Refused, error_outcome, numbered, typed_choice
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import Choice, ConversationKey, Inbound, Outcome, Reply, Text
from bot.core.ports import Handler, HeldReplies, Unreachable
from bot.testing import Chat, shipped_content

KEY = ConversationKey("test", "chat-1", "user-1")
HELLO = Inbound(KEY, Text("hello"), update_id="7")


class Outbox:
    """Marks and held replies in memory, as ``UpdateOutbox`` keeps them in the database."""

    def __init__(self, held: list[HeldReplies] | None = None, *, broken: bool = False) -> None:
        self.marks: list[tuple[str, str, int, bool]] = []
        self._held = held or []
        self._broken = broken
        self.closed = False

    async def sent(self, platform: str, update_id: str, count: int, *, finished: bool) -> None:
        self.marks.append((platform, update_id, count, finished))

    async def held(self, platform: str) -> list[HeldReplies]:
        if self._broken:
            raise ConnectionError("database gone")
        return self._held

    async def close(self) -> None:
        self.closed = True


@dataclass
class Told:
    """What the core was told about unreachable chats."""

    calls: list[tuple[ConversationKey, bool]] = field(default_factory=list)

    async def __call__(self, key: ConversationKey, *, private: bool) -> None:
        self.calls.append((key, private))


class Platform(PlatformAdapter):
    """A platform whose I/O is a list; the chats in ``refusing`` have blocked the bot."""

    def __init__(
        self, handler: Handler, content: Content, told: Told, outbox: Outbox | None = None
    ) -> None:
        super().__init__("test", handler, words=content.texts, on_unreachable=told, outbox=outbox)
        self.delivered: list[Reply] = []
        self.refusing: set[str] = set()

    @property
    def connected(self) -> bool:
        return True

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        await self.close_outbox()

    async def deliver(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        if key.chat_id in self.refusing:
            raise Refused(key, private=True, reason="blocked")
        self.delivered.append(reply)

    async def receive(self, inbound: Inbound) -> Outcome:
        """What a platform module does with an update: handle it, send, mark."""
        outcome = await self.handle(inbound)
        for n, reply in enumerate(outcome.replies, start=1):
            await self.deliver(inbound.key, reply, bulk=False)
            assert inbound.update_id is not None
            await self.sent(inbound.update_id, n, finished=n == len(outcome.replies))
        return outcome


class Counting:
    """A handler that counts its calls and answers each one the same."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, inbound: Inbound) -> Outcome:
        self.calls += 1
        return Outcome(replies=(Reply("hi"), Reply("there")))


async def test_each_reply_sent_is_marked_in_the_outbox_under_the_platform(
    content: Content,
) -> None:
    outbox = Outbox()
    platform = Platform(Counting(), content, Told(), outbox)
    await platform.receive(HELLO)
    assert outbox.marks == [("test", "7", 1, False), ("test", "7", 2, True)]
    await platform.stop()
    assert outbox.closed  # marks still pending are written on the way down


async def test_held_replies_are_listed_and_logged_without_their_text(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    held = HeldReplies("41", KEY, (Reply("a private word"), Reply("b")), sent=1)
    caplog.set_level(logging.INFO, logger="bot.adapters")
    assert await Platform(Counting(), content, Told(), Outbox([held])).held_replies() == [held]
    [line] = [r.getMessage() for r in caplog.records]
    assert line == "test_held_replies update_id=41 chat=chat-1 replies=2 sent=1"


async def test_an_outbox_that_cant_be_read_holds_nothing_back(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform(Counting(), content, Told(), Outbox(broken=True))
    assert await platform.held_replies() == []
    assert [r.getMessage() for r in caplog.records] == ["test_held_replies_unreadable"]
    assert await Platform(Counting(), content, Told()).held_replies() == []  # no outbox


async def test_a_handler_that_raises_gets_the_one_error_outcome(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    async def fragile(inbound: Inbound) -> Outcome:
        raise RuntimeError("flow exploded")

    caplog.set_level(logging.ERROR, logger="bot.adapters")
    outcome = await Platform(fragile, content, Told()).handle(HELLO)
    assert outcome == error_outcome(content.texts)
    assert outcome.replies == (Reply(content.texts.common.error),)
    assert not outcome.accepted
    [record] = caplog.records
    assert record.getMessage() == "test_handler_failed update_id=7 chat=chat-1 event=Text"
    assert record.exc_info is not None


async def test_the_error_outcome_is_the_one_the_core_gives(
    chat: Chat, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.features.warmup.flow import Warmup

    async def explode(*_: object) -> None:
        raise RuntimeError("disk on fire")

    await chat.command("start")
    await chat.press("I understand")
    monkeypatch.setattr(Warmup, "command", explode)
    assert await chat.command("warmup") == error_outcome(shipped_content().texts)


async def test_a_refused_send_is_reported_once_and_raised(content: Content) -> None:
    told = Told()
    platform = Platform(Counting(), content, told)
    await platform.send(KEY, Reply("Your run is soon"))
    platform.refusing.add(KEY.chat_id)
    with pytest.raises(Unreachable) as refused:
        await platform.send(KEY, Reply("Your run is soon"), bulk=True)
    assert told.calls == [(KEY, True)]
    # A refusal seen twice (a reply and the edit of a pressed message) is told once.
    assert isinstance(refused.value, Refused)
    await platform.report(refused.value)
    assert told.calls == [(KEY, True)]
    assert platform.delivered == [Reply("Your run is soon")]


async def test_a_failure_to_tell_the_core_still_raises_the_refusal(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Told):
        async def __call__(self, key: ConversationKey, *, private: bool) -> None:
            raise ConnectionError("database gone")

    platform = Platform(Counting(), content, Broken())
    platform.refusing.add(KEY.chat_id)
    with pytest.raises(Unreachable):
        await platform.send(KEY, Reply("Your run is soon"))
    assert [r.getMessage() for r in caplog.records] == ["mark_unreachable_failed platform=test"]


CHOICES = (Choice("Done", "v1:a:-:done"), Choice("Skip", "v1:a:-:skip"))


def test_choices_are_numbered_from_the_first_number() -> None:
    assert numbered(CHOICES) == ["  [1] Done", "  [2] Skip"]
    assert numbered(CHOICES, first=4) == ["  [4] Done", "  [5] Skip"]


def _payload(typed: str, choices: tuple[Choice, ...], *, asks_number: bool = False) -> str | None:
    chosen = typed_choice(typed, choices, asks_number=asks_number)
    return None if chosen is None else chosen.payload


def test_a_typed_number_or_label_picks_its_payload() -> None:
    assert _payload("2", CHOICES) == "v1:a:-:skip"
    assert _payload(" 1 ", CHOICES) == "v1:a:-:done"
    assert _payload("skip", CHOICES) == "v1:a:-:skip"
    assert _payload("DONE", CHOICES) == "v1:a:-:done"


@pytest.mark.parametrize("typed", ["0", "3", "²", "9" * 5000, "Sk", "", "hello"])
def test_anything_else_picks_nothing(typed: str) -> None:
    assert typed_choice(typed, CHOICES) is None


def test_a_label_shown_twice_means_the_newest() -> None:
    pauses = (Choice("Pause", "v1:a:-:pause.1"), Choice("Pause", "v1:a:-:pause.2"))
    assert _payload("pause", pauses) == "v1:a:-:pause.2"
    assert _payload("1", pauses) == "v1:a:-:pause.1"


LEVELS = (Choice("Mild", "v1:a:-:int.2"), Choice("Moderate", "v1:a:-:int.5"))


def test_at_a_number_question_choices_are_lettered() -> None:
    assert numbered(LEVELS, asks_number=True) == ["  [a] Mild", "  [b] Moderate"]
    assert numbered(LEVELS, first=2, asks_number=True) == ["  [b] Mild", "  [c] Moderate"]


@pytest.mark.parametrize("typed", ["1", "2", "7", "0"])
def test_at_a_number_question_a_number_is_the_answer_not_a_button(typed: str) -> None:
    assert typed_choice(typed, LEVELS, asks_number=True) is None


def test_at_a_number_question_a_letter_or_label_picks_the_button() -> None:
    assert _payload("b", LEVELS, asks_number=True) == "v1:a:-:int.5"
    assert _payload("A", LEVELS, asks_number=True) == "v1:a:-:int.2"
    assert _payload("moderate", LEVELS, asks_number=True) == "v1:a:-:int.5"
    assert typed_choice("c", LEVELS, asks_number=True) is None  # no third button


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_every_handled_update_is_counted_and_timed_and_a_failure_counted(
    content: Content,
) -> None:
    async def fragile(inbound: Inbound) -> Outcome:
        raise RuntimeError("flow exploded")

    texts = _metric("hipcoach_updates_total", platform="test", kind="text")
    steps = _metric("hipcoach_step_seconds_count", platform="test")
    failures = _metric("hipcoach_step_failures_total", platform="test")
    await Platform(Counting(), content, Told()).receive(HELLO)
    await Platform(fragile, content, Told()).receive(HELLO)
    assert _metric("hipcoach_updates_total", platform="test", kind="text") == texts + 2
    assert _metric("hipcoach_step_seconds_count", platform="test") == steps + 2
    assert _metric("hipcoach_step_failures_total", platform="test") == failures + 1


async def test_the_process_gives_up_only_when_every_platform_has(content: Content) -> None:
    from bot.app import NothingStarted, until_stopped_or_gone

    one, two = Platform(Counting(), content, Told()), Platform(Counting(), content, Told())
    stop = asyncio.Event()
    waiting = asyncio.create_task(until_stopped_or_gone(stop, [one, two]))
    one.gone.set()
    await asyncio.sleep(0)
    assert not waiting.done()  # the other platform still serves its runners
    two.gone.set()
    with pytest.raises(NothingStarted, match="every platform stopped for good"):
        await waiting
    # Stopped as usual: no error.
    stop.set()
    await until_stopped_or_gone(stop, [Platform(Counting(), content, Told())])
