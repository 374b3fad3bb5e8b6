"""A recording chat for core tests: send events, press buttons by label, read replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    outcomes: list[Outcome] = field(default_factory=list)

    async def send(self, event: Event) -> Outcome:
        outcome = await self.coach.handle(Inbound(self.key, event, self.is_private))
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
