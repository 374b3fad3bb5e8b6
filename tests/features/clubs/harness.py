"""A club in a group chat on a fake clock: members who type and press, and the one
reminder dispatcher sending the club's messages through a recording adapter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import UnreachableMarker, build_dispatcher
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import (
    ChoiceMade,
    Command,
    ConversationKey,
    Event,
    Inbound,
    Membership,
    Outcome,
    Reply,
)
from bot.features.reminders.dispatcher import Dispatcher, PassReport
from bot.testing import FakeClock, RecordingAdapter, Sent

GROUP = "-1001"


@dataclass
class Club:
    coach: Coach
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    clock: FakeClock
    platform: str = "telegram"
    chat_id: str = GROUP
    adapter: RecordingAdapter = field(init=False)
    dispatcher: Dispatcher = field(init=False)

    def __post_init__(self) -> None:
        self.adapter = RecordingAdapter(self.clock, name=self.platform)
        self.dispatcher = self.new_dispatcher()

    def new_dispatcher(self, *, takeover_at_start: bool = False) -> Dispatcher:
        return build_dispatcher(
            self.sessions,
            self.content,
            [self.adapter],
            self.clock,
            buttons=self.coach.buttons,
            takeover_at_start=takeover_at_start,
        )

    def key(self, user: str) -> ConversationKey:
        return ConversationKey(self.platform, self.chat_id, user)

    async def send(
        self, user: str, event: Event, *, member: Membership | None = None, private: bool = False
    ) -> Outcome:
        key = ConversationKey(self.platform, user, user) if private else self.key(user)
        return await self.coach.handle(
            Inbound(
                key,
                event,
                is_private=private,
                can_whisper=self.platform == "discord",
                member=member,
            )
        )

    async def admin(self, args: str, user: str = "900") -> Outcome:
        member = Membership(admin=True, space=self.chat_id)
        return await self.send(user, Command("club", args), member=member)

    async def run_due(self) -> PassReport:
        return await self.dispatcher.run_once()

    def group_messages(self) -> list[Sent]:
        return [s for s in self.adapter.sent if s.key.chat_id == self.chat_id]

    def invite_payload(self) -> str:
        invites = [s for s in self.group_messages() if s.reply.choices]
        assert invites, "no invite was posted"
        return invites[-1].reply.choices[0].payload

    async def press_invite(self, user: str) -> Outcome:
        return await self.send(user, ChoiceMade(self.invite_payload()))

    async def remove_bot(self) -> None:
        marker = UnreachableMarker(self.coach.database, self.clock)
        await marker(ConversationKey(self.platform, self.chat_id, "42"), private=False)


def text_of(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def private_replies(outcome: Outcome) -> list[Reply]:
    return [reply for reply in outcome.replies if reply.private]
