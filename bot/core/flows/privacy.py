"""/export and /forget: the user's data is theirs to take or erase."""

from __future__ import annotations

import json

from bot.core.flows.base import Flow
from bot.core.messages import Document
from bot.core.turn import Turn
from bot.storage.privacy import PrivacyRepository
from bot.storage.repository import UserRepository

NAME = "privacy"


class Privacy(Flow):
    name = NAME
    commands = ("export", "forget")
    open_commands = ("export", "forget")

    async def command(self, turn: Turn, name: str, args: str) -> None:
        texts = turn.texts.privacy
        if name == "export":
            data = await turn.repo(PrivacyRepository).export(turn.user.id)
            body = json.dumps(
                {"exported_at": turn.now.isoformat(), "data": data}, indent=2, ensure_ascii=False
            )
            filename = f"hipcoach-export-{turn.now:%Y%m%d}.json"
            turn.say(
                texts.export_caption,
                document=Document(filename=filename, data=body.encode()),
                private=True,
            )
            return
        turn.goto(NAME, "confirm_forget", {})
        turn.say(
            texts.forget_confirm,
            choices=[
                turn.choice(texts.forget_yes, "forget.yes"),
                turn.choice(texts.forget_no, "forget.no"),
            ],
            private=True,
        )

    async def choice(self, turn: Turn, action: str) -> None:
        texts = turn.texts.privacy
        if action == "forget.yes":
            await turn.repo(UserRepository).erase(turn.user.id)
            turn.forgotten = True
            turn.finish()
            turn.say(texts.forgotten, private=True)
        elif action == "forget.no":
            turn.finish()
            turn.say(texts.forget_kept, private=True)
        else:
            await super().choice(turn, action)

    async def reprompt(self, turn: Turn) -> None:
        await self.command(turn, "forget", "")
