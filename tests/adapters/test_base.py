"""The adapter base: repeats dropped, one error outcome, one report per refused chat,
and numbered choices for a platform without buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from prometheus_client import REGISTRY

from bot.adapters.base import PlatformAdapter, Refused, error_outcome, numbered, typed_choice
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import Choice, ConversationKey, Inbound, Outcome, Reply, Text
from bot.core.ports import Handler, Unreachable
from bot.testing import Chat, shipped_content

KEY = ConversationKey("test", "chat-1", "user-1")
HELLO = Inbound(KEY, Text("hello"))


class Claims:
    """Update ids in memory, as ``ProcessedUpdates`` keeps them in the database."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.closed = False

    async def claim(self, platform: str, update_id: str) -> bool:
        if (platform, update_id) in self.seen:
            return False
        self.seen.add((platform, update_id))
        return True

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
        self, handler: Handler, content: Content, told: Told, claims: Claims | None = None
    ) -> None:
        super().__init__(
            "test", handler, words=content.texts, on_unreachable=told, claims=claims or Claims()
        )
        self.delivered: list[Reply] = []
        self.refusing: set[str] = set()

    @property
    def connected(self) -> bool:
        return True

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        await self.close_claims()

    async def deliver(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        if key.chat_id in self.refusing:
            raise Refused(key, private=True, reason="blocked")
        self.delivered.append(reply)

    async def receive(self, update_id: str, inbound: Inbound) -> Outcome | None:
        """What a platform module does with an update; ``None`` when it was dropped."""
        if not await self.first_time(update_id):
            return None
        return await self.handle(inbound, update_id=update_id)


class Counting:
    """A handler that counts its calls and answers each one the same."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, inbound: Inbound) -> Outcome:
        self.calls += 1
        return Outcome(replies=(Reply("hi"),))


async def test_a_repeated_update_is_dropped(content: Content) -> None:
    handler, claims = Counting(), Claims()
    platform = Platform(handler, content, Told(), claims)
    assert await platform.receive("7", HELLO) == Outcome(replies=(Reply("hi"),))
    assert await platform.receive("7", HELLO) is None
    assert await platform.receive("8", HELLO) is not None
    assert handler.calls == 2
    await platform.stop()
    assert claims.closed  # claims still in memory are written out on the way down


async def test_a_handler_that_raises_gets_the_one_error_outcome(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    async def fragile(inbound: Inbound) -> Outcome:
        raise RuntimeError("flow exploded")

    caplog.set_level(logging.ERROR, logger="bot.adapters")
    outcome = await Platform(fragile, content, Told()).receive("7", HELLO)
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
    await Platform(Counting(), content, Told()).receive("1", HELLO)
    await Platform(fragile, content, Told()).receive("2", HELLO)
    assert _metric("hipcoach_updates_total", platform="test", kind="text") == texts + 2
    assert _metric("hipcoach_step_seconds_count", platform="test") == steps + 2
    assert _metric("hipcoach_step_failures_total", platform="test") == failures + 1
