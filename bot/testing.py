"""Test doubles for contributors and deployers: a clock to move by hand, a scripted chat
that talks to a coach and presses buttons by label, and an adapter that records sends.

The suite uses these; they are also the quickest way to try a change to a flow::

    clock = FakeClock()
    chat = Chat(build_coach(sessions, load_content(Path("content")), clock=clock))
    await chat.command("warmup")
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content, load_content
from bot.core.engine import Coach
from bot.core.messages import (
    Choice,
    ChoiceMade,
    Command,
    ConversationKey,
    Event,
    Inbound,
    Outcome,
    Reply,
    Text,
)
from bot.core.ports import Clock, Unreachable
from bot.storage.database import SqlDatabase

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


@functools.cache
def shipped_content() -> Content:
    """The content/ folder this code ships with, loaded and validated once."""
    return load_content(CONTENT_DIR)


def sessions_of(coach: Coach) -> async_sessionmaker[AsyncSession]:
    """The session factory a coach built by ``bot.app.build_coach`` runs on."""
    assert isinstance(coach.database, SqlDatabase)
    return coach.database.sessions


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Chat:
    """One user in one chat, talking to a coach, remembering everything it was told."""

    coach: Coach
    key: ConversationKey = field(
        default_factory=lambda: ConversationKey("terminal", "chat-1", "user-1")
    )
    is_private: bool = True
    # The platform's language tag for the user, as Telegram and Discord report it.
    locale: str | None = None
    # In a group: replies can be shown to this user alone (Discord), or not (Telegram).
    can_whisper: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    async def send(self, event: Event) -> Outcome:
        outcome = await self.coach.handle(
            Inbound(
                self.key, event, self.is_private, locale=self.locale, can_whisper=self.can_whisper
            )
        )
        self.outcomes.append(outcome)
        return outcome

    async def command(self, name: str, args: str = "") -> Outcome:
        return await self.send(Command(name, args))

    async def say(self, text: str) -> Outcome:
        return await self.send(Text(text))

    async def press(self, label: str) -> Outcome:
        """Press the button labelled ``label`` on the newest message that has buttons."""
        return await self.send(ChoiceMade(self.button(label).payload))

    async def to_first_drill(self, feeling: str = "Loose 😊") -> Outcome:
        """A new runner: accept the safety note, /warmup, answer the check; drill 1 shows."""
        await self.command("start")
        await self.press("I understand")
        await self.command("warmup")
        await self.press(feeling)
        return await self.press("No, just stiff or fine")

    async def press_payload(self, payload: str) -> Outcome:
        return await self.send(ChoiceMade(payload))

    def button(self, label: str) -> Choice:
        choices = self.last_choices()
        for choice in choices:
            if choice.label == label:
                return choice
        raise AssertionError(f"no button {label!r}; have {[c.label for c in choices]}")

    def last_choices(self) -> tuple[Choice, ...]:
        for outcome in reversed(self.outcomes):
            for reply in reversed(outcome.replies):
                if reply.choices:
                    return reply.choices
        return ()

    @property
    def replies(self) -> list[Reply]:
        return [reply for outcome in self.outcomes for reply in outcome.replies]

    def last_text(self) -> str:
        return "\n".join(reply.text for reply in self.outcomes[-1].replies)

    def all_text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)


@dataclass
class Sent:
    key: ConversationKey
    reply: Reply
    bulk: bool
    at: datetime


@dataclass
class RecordingAdapter:
    """Collects what the dispatcher sends; can refuse chats or fail like a platform."""

    clock: Clock
    name: str = "terminal"
    connected: bool = True
    sent: list[Sent] = field(default_factory=list)
    unreachable_chats: set[str] = field(default_factory=set)
    failing_chats: set[str] = field(default_factory=set)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        if key.chat_id in self.unreachable_chats:
            raise Unreachable("blocked")
        if key.chat_id in self.failing_chats:
            raise ConnectionError("platform down")
        self.sent.append(Sent(key, reply, bulk, self.clock.now()))
        self.arrived.set()

    def texts(self) -> list[str]:
        return [item.reply.text for item in self.sent]
