"""/export and /forget: the user's data is theirs to take or erase."""

from __future__ import annotations

import json
from typing import ClassVar

from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Document, Tone
from bot.core.state import NoData
from bot.core.stores import Scrubber, StoreFactory
from bot.core.turn import Turn
from bot.core.understanding import typed_label, typed_no, typed_phrase
from bot.features.privacy.store import PrivacyRepository, PrivacyStore
from bot.features.privacy.texts import PrivacyTexts

NAME = "privacy"
CONFIRM_FORGET = "confirm_forget"


class Privacy(Flow):
    name = NAME
    commands = (CommandDef("export", open=True), CommandDef("forget", open=True))
    steps: ClassVar[Steps] = {CONFIRM_FORGET: NoData}

    def __init__(
        self,
        texts: PrivacyTexts,
        store: StoreFactory[PrivacyStore] = PrivacyRepository,
        *,
        scrubber: Scrubber | None = None,
    ) -> None:
        self.texts = texts
        self.store = store
        # Wipes what the deleted rows leave beneath the tables; the engine runs it after
        # the commit and before the reply goes out.
        self.scrubber = scrubber

    async def command(self, turn: Turn, name: str, args: str) -> None:
        texts = self.texts
        if name == "export":
            data = await turn.store(self.store).export(turn.user.id)
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
        turn.goto(NAME, CONFIRM_FORGET, NoData())
        turn.say(
            texts.forget_confirm,
            choices=[
                turn.choice(texts.forget_yes, "forget.yes", Tone.DANGER),
                turn.choice(texts.forget_no, "forget.no"),
            ],
            private=True,
        )

    async def choice(self, turn: Turn, action: str) -> None:
        texts = self.texts
        if action == "forget.yes":
            await turn.store(self.store).erase(turn.user.id)
            turn.forgotten = True
            if self.scrubber is not None:
                turn.after_commit.append(self.scrubber.scrub)
            turn.finish()
            turn.say(texts.forgotten, private=True)
        elif action == "forget.no":
            turn.finish()
            turn.say(texts.forget_kept, private=True)
        else:
            await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> bool:
        """ "Are you sure?" answered in words: a clear yes ("yes", "erase it") erases, a
        no keeps; an "ok" or a 👍 alone is not enough to erase everything."""
        texts = self.texts
        heard = turn.texts.understanding
        picked = typed_label(text, [texts.forget_yes, texts.forget_no])
        if picked is None:
            picked = typed_phrase(text, [texts.forget_yes_words, texts.forget_no_words])
        if picked is None and typed_no(text, heard):
            picked = 1  # "no thanks" keeps everything
        if picked is None:
            return False
        await self.choice(turn, ("forget.yes", "forget.no")[picked])
        return True

    async def not_understood(self, turn: Turn, text: str) -> None:
        turn.say(self.texts.forget_which, private=True)

    async def reprompt(self, turn: Turn) -> None:
        await self.command(turn, "forget", "")

    async def restart(self, turn: Turn) -> None:
        # The only step is the question /forget asks.
        turn.redirect("forget")
