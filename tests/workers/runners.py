"""Runners talking to the coach through :class:`~tests.workers.cluster.Telegram`."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser
from tests.workers.cluster import Telegram

# Each step of a warm-up: the button pressed (None: the command), what the reply says.
WARMUP: tuple[tuple[str, str], ...] = (
    ("/start", ""),
    ("I understand", "Thanks!"),
    ("/warmup", "how do your hips"),
    ("Loose 😊", "anything sharp"),
    ("No, just stiff or fine", "Drill 1 of 3"),
    ("Done", "Drill 2 of 3"),
    ("Done", "Drill 3 of 3"),
    ("Done", "Nice work"),
)
_TOKEN = re.compile(r"/(x\d+n\d+)")
SENDS = ("sendMessage", "sendAnimation", "sendPhoto", "sendDocument")


def shown_text(call: Call) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def sent_to(chat: TgChat, containing: str) -> Callable[[Call], bool]:
    """A message (text, or a picture's caption) sent to ``chat`` containing the words,
    or with buttons when ``containing`` is empty."""

    def match(call: Call) -> bool:
        if call.method not in SENDS or call.chat_id != chat.id or not call.ok:
            return False
        if not containing:
            return "reply_markup" in call.params
        return containing in shown_text(call)

    return match


@dataclass
class Runner:
    api: TelegramStandIn
    telegram: Telegram
    user: TgUser
    chat: TgChat
    latencies: list[float] = field(default_factory=list)
    # The message that answered the last step: the next press is on it or a later one.
    last_reply: int = 0

    @classmethod
    def new(cls, api: TelegramStandIn, telegram: Telegram) -> Runner:
        user = api.user()
        return cls(api, telegram, user, api.private_chat(user))

    async def make(self, action: str) -> dict[str, object]:
        """The update for typing ``action`` (a /command) or pressing it (a label, once
        a message shows it: a reply may come as a picture, then its buttons)."""
        if action.startswith("/"):
            update_id = self.api.send_text(self.chat, self.user, action)
        else:
            await self.api.wait_until(lambda: self._showing(action) is not None)
            pressed = self._showing(action)
            assert pressed is not None
            update_id, _ = self.api.press_button(self.chat, self.user, action, message_id=pressed)
        return self.api.take_update(update_id)

    def _showing(self, label: str) -> int | None:
        """The newest message since the last reply that has the button."""
        for message in reversed(self.api.bot_messages(self.chat)):
            if message.message_id < self.last_reply:
                return None
            if any(button["text"] == label for button in message.buttons):
                return message.message_id
        return None

    async def say(self, action: str, expect: str, url: str | None = None) -> Call:
        """Type or press ``action``; the reply containing ``expect``."""
        mark = self.api.mark()
        update = await self.make(action)
        started = time.monotonic()
        await self.telegram.deliver(update, url)
        reply = await self.api.wait_for(sent_to(self.chat, expect), since=mark)
        self.latencies.append(time.monotonic() - started)
        self.last_reply = int(reply.result["message_id"])
        return reply

    async def warm_up(self, steps: tuple[tuple[str, str], ...] = WARMUP) -> None:
        for action, expect in steps:
            await self.say(action, expect)

    def shown(self) -> list[str]:
        return [shown_text(c) for c in self.api.sent_to(self.chat) if c.method in SENDS and c.ok]


def tokens_shown(runner: Runner) -> list[str]:
    """The unknown commands (``/x1n2``) the coach's replies name, in the order shown."""
    found = []
    for text in runner.shown():
        match = _TOKEN.search(text)
        if match:
            found.append(match.group(1))
    return found


async def wait_for_tokens(runner: Runner, count: int, within: float = 30.0) -> list[str]:
    async with asyncio.timeout(within):
        while len(tokens_shown(runner)) < count:
            await asyncio.sleep(0.05)
    return tokens_shown(runner)
