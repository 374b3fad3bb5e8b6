"""/warmup: a soreness check, then the drills one at a time, paced with buttons."""

from __future__ import annotations

import re

from bot.content.drills import Drill
from bot.core.flows.base import Flow
from bot.core.flows.tight import tailored_prelude
from bot.core.turn import Turn
from bot.storage.repository import WarmupRepository

NAME = "warmup"
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*(?:/\s*10)?\s*$")
_YES = {"yes", "y", "yeah", "yep", "sharp"}
_NO = {"no", "n", "nope", "nah", "fine"}
_DRILL_WORDS = {"done": "done", "next": "done", "skip": "skip", "stop": "stop"}
_OUTCOMES = {"done": "done", "skip": "skipped"}


def parse_soreness(text: str) -> int | None:
    match = _NUMBER.match(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 <= value <= 10 else None


class Warmup(Flow):
    name = NAME
    commands = ("warmup",)

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if turn.state.flow == NAME:
            turn.say(turn.texts.warmup.already_running)
            await self.reprompt(turn)
            return
        turn.goto(NAME, "soreness", {})
        self._ask_soreness(turn)

    # --- prompts ---
    def _ask_soreness(self, turn: Turn) -> None:
        choices = [
            turn.choice(option.label, f"sore.{option.value}")
            for option in turn.content.routine.soreness_choices
        ]
        turn.say(turn.texts.warmup.soreness_question, choices=choices, private=True)

    def _ask_sharp(self, turn: Turn) -> None:
        texts = turn.texts.warmup
        turn.say(
            texts.sharp_question,
            choices=[
                turn.choice(texts.sharp_yes, "sharp.yes"),
                turn.choice(texts.sharp_no, "sharp.no"),
            ],
            private=True,
        )

    def _show_drill(self, turn: Turn) -> None:
        texts = turn.texts.warmup
        drills = self._drills(turn)
        index = int(turn.state.data["index"])
        drill = drills[index]
        variant = drill.variant(bool(turn.state.data["gentle"]))
        lines = [
            texts.drill_header.format(number=index + 1, total=len(drills), name=drill.name),
            variant.summary,
        ]
        lines += [
            texts.step_line.format(number=n, text=step.text, cue=step.cue)
            for n, step in enumerate(variant.steps, start=1)
        ]
        turn.say(
            "\n".join(lines),
            choices=[
                turn.choice(texts.done, "wu.done"),
                turn.choice(texts.skip, "wu.skip"),
                turn.choice(texts.stop, "wu.stop"),
            ],
        )

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        if step == "soreness":
            self._ask_soreness(turn)
        elif step == "sharp":
            self._ask_sharp(turn)
        else:
            self._show_drill(turn)

    # --- answers ---
    async def choice(self, turn: Turn, action: str) -> None:
        step = turn.state.step
        if step == "soreness" and action.startswith("sore."):
            value = parse_soreness(action.removeprefix("sore."))
            if value is not None:
                await self._got_soreness(turn, value)
                return
        elif step == "sharp" and action in ("sharp.yes", "sharp.no"):
            await self._got_sharp(turn, action == "sharp.yes")
            return
        elif step == "drill" and action in ("wu.done", "wu.skip", "wu.stop"):
            await self._drill_answer(turn, action.removeprefix("wu."))
            return
        await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> None:
        word = text.strip().lower()
        step = turn.state.step
        if step == "soreness":
            value = parse_soreness(word)
            if value is None:
                turn.say(turn.texts.warmup.soreness_invalid)
            else:
                await self._got_soreness(turn, value)
        elif step == "sharp" and word in _YES | _NO:
            await self._got_sharp(turn, word in _YES)
        elif step == "drill" and word in _DRILL_WORDS:
            await self._drill_answer(turn, _DRILL_WORDS[word])
        else:
            turn.say(turn.texts.warmup.in_progress)

    async def _got_soreness(self, turn: Turn, soreness: int) -> None:
        turn.goto(NAME, "sharp", {"soreness": soreness})
        self._ask_sharp(turn)

    async def _got_sharp(self, turn: Turn, sharp: bool) -> None:
        repo = turn.repo(WarmupRepository)
        soreness = int(turn.state.data["soreness"])
        checkin_id = await repo.add_checkin(turn.user.id, soreness, sharp, turn.now)
        if sharp:
            turn.say(turn.content.safety.sharp_pain.text, private=True)
            turn.finish()
            return
        routine = turn.content.routine
        gentle = soreness >= routine.gentle_from_soreness
        # Recent tight-spot reports add rolling first and may call for gentler drills.
        prelude = await tailored_prelude(turn, soreness, gentle)
        gentle = prelude.gentle if prelude else gentle
        session_id = await repo.start_session(
            turn.user.id, "gentle" if gentle else "standard", checkin_id, turn.now
        )
        texts = turn.texts.warmup
        reason = (texts.gentle_reason if gentle else texts.standard_reason).format(
            soreness=soreness
        )
        if prelude:
            reason = prelude.reason
        if soreness >= 8:
            reason += " " + turn.content.safety.very_sore.text
        turn.say(reason + "\n\n" + turn.content.drills.placement.text)
        if prelude:
            turn.say(prelude.rolling)
        turn.goto(
            NAME,
            "drill",
            {
                "session": session_id,
                "index": 0,
                "gentle": gentle,
                "soreness": soreness,
                "done": [],
            },
        )
        self._show_drill(turn)

    async def _drill_answer(self, turn: Turn, answer: str) -> None:
        session_id = self._session_id(turn)
        drills = self._drills(turn)
        index = int(turn.state.data["index"])
        done = await self._done_so_far(turn, session_id)
        if answer == "stop":
            await self._close(turn, session_id, done, "stopped")
            return
        done = [*done, {"drill": drills[index].id, "outcome": _OUTCOMES[answer]}]
        if index + 1 < len(drills):
            if session_id is not None:
                await turn.repo(WarmupRepository).record_drills(turn.user.id, session_id, done)
            turn.state.data = {**turn.state.data, "index": index + 1, "done": done}
            turn.goto(NAME, "drill")
            self._show_drill(turn)
        else:
            await self._close(turn, session_id, done, "completed")

    async def _close(
        self, turn: Turn, session_id: int | None, done: list[dict[str, str]], status: str
    ) -> None:
        texts = turn.texts.warmup
        total = len(self._drills(turn))
        outcomes = [d["outcome"] for d in done]
        completed, skipped = outcomes.count("done"), outcomes.count("skipped")
        if session_id is not None:
            await turn.repo(WarmupRepository).finish_session(
                turn.user.id, session_id, status, turn.now, drills=done
            )
        if status == "completed":
            note = texts.skipped_note.format(skipped=skipped) if skipped else ""
            turn.say(texts.summary_complete.format(done=completed, total=total, skipped_note=note))
        else:
            turn.say(texts.summary_stopped.format(done=completed, total=total))
        turn.finish()

    async def leave(self, turn: Turn, reason: str) -> None:
        session_id = self._session_id(turn)
        if turn.state.step == "drill" and session_id is not None:
            status = "expired" if reason == "expired" else "stopped"
            await turn.repo(WarmupRepository).finish_session(
                turn.user.id, session_id, status, turn.now
            )

    # --- helpers ---
    def _drills(self, turn: Turn) -> list[Drill]:
        book = turn.content.drills
        return [book.by_id(drill_id) for drill_id in turn.content.routine.drills]

    def _session_id(self, turn: Turn) -> int | None:
        session_id = turn.state.data.get("session")
        return session_id if isinstance(session_id, int) else None

    async def _done_so_far(self, turn: Turn, session_id: int | None) -> list[dict[str, str]]:
        """The drills answered so far, kept in the conversation state; a conversation
        saved before the state kept them reads them from the session instead."""
        done = turn.state.data.get("done")
        if isinstance(done, list):
            return done
        if session_id is None:
            return []
        return await turn.repo(WarmupRepository).drills_done(turn.user.id, session_id)
