"""/ran, plain words about a run, and the after-run question's buttons: how the hips felt
on a run (fine / tight / sore / pain, and where), stored once per run.

An answer belongs to one run. The question's buttons name their run, so a press hours
later, after the next run has started, is still attached to the run it asked about (and
says so); a press about a run long gone, or one already answered, is politely refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from bot.core.calendar import zone_or_utc
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Choice, Tone
from bot.core.ports import EmergencyWords, PlannedRuns
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.understanding import typed_label
from bot.features.checkins import payloads
from bot.features.checkins.content import FEELINGS, CheckinContent, Feeling, Side
from bot.features.checkins.reading import read_checkin
from bot.features.checkins.state import Asking, Source, Where
from bot.features.checkins.store import CheckinAnswerRepository, CheckinStore

NAME = "checkins"
# /ran attaches to a planned run that started this recently; older questions are refused.
RECENT_RUN = timedelta(hours=12)
TOO_OLD = timedelta(hours=36)
_OTHER = "other"
_ROLL = "go.roll"


class Checkins(Flow):
    name = NAME
    commands = (CommandDef("ran", takes_text=True, personal=True),)
    global_prefixes = (payloads.PREFIX,)
    steps: ClassVar[Steps] = {"feeling": Asking, "where": Where}

    def __init__(
        self,
        content: CheckinContent,
        *,
        runs: PlannedRuns,
        emergency: EmergencyWords,
        store: StoreFactory[CheckinStore] = CheckinAnswerRepository,
    ) -> None:
        self.content = content
        self.words = content.words
        self.runs = runs
        self.emergency = emergency
        self.store = store

    # --- ways in ---
    async def command(self, turn: Turn, name: str, args: str) -> None:
        await self._start(turn, args, "ran")

    async def claims_text(self, turn: Turn, text: str) -> bool:
        """Plain words about a run ("just back from my run, left glute tight")."""
        reading = read_checkin(text, self.content)
        if not reading.mentions_run:
            return False
        if not turn.is_private and not turn.can_whisper:
            turn.say(turn.texts.common.go_private, private_start="ran")
            return True
        await self._start(turn, text, "words")
        return True

    async def global_choice(self, turn: Turn, action: str) -> None:
        pressed = payloads.parse(action)
        if pressed is None:
            turn.notice = turn.texts.common.unknown_button
            return
        await self._answer(
            turn, pressed.run_minute, pressed.delivery_id, "question", pressed.feeling, None
        )

    async def _start(self, turn: Turn, text: str, source: Source) -> None:
        run = await self.runs.latest(turn, turn.now - RECENT_RUN)
        minute = payloads.to_minute(run.run_at if run else turn.now)
        delivery = run.delivery_id if run else 0
        reading = read_checkin(text, self.content)
        if reading.feeling is not None:
            await self._answer(
                turn, minute, delivery, source, reading.feeling, reading.area, reading.side
            )
            return
        if await self._answered_already(turn, minute):
            return
        turn.goto(NAME, "feeling", Asking(run_minute=minute, delivery_id=delivery, source=source))
        self._ask(turn, minute, delivery, planned=run is not None)

    # --- prompts ---
    def _ask(self, turn: Turn, minute: int, delivery: int, *, planned: bool) -> None:
        words = self.words
        text = (
            words.question_planned.format(time=self._when(turn, minute))
            if planned
            else words.question
        )
        turn.say(text, choices=self.feeling_buttons(turn, delivery, minute), private=True)

    def feeling_buttons(self, turn: Turn, delivery: int, minute: int) -> list[Choice]:
        return [
            turn.global_choice(self.words.feelings[f], payloads.answer(f, delivery, minute))
            for f in FEELINGS
        ]

    def _ask_where(self, turn: Turn) -> None:
        choices = [turn.choice(area.label, f"area.{area.id}") for area in self.content.areas]
        choices.append(turn.choice(self.words.somewhere_else, f"area.{_OTHER}"))
        turn.say(self.words.where, choices=choices, private=True)

    async def reprompt(self, turn: Turn) -> None:
        if turn.state.step == "where":
            self._ask_where(turn)
        else:
            asking = turn.data(Asking)
            self._ask(turn, asking.run_minute, asking.delivery_id, planned=asking.delivery_id > 0)

    # --- answers ---
    async def choice(self, turn: Turn, action: str) -> None:
        if turn.state.step == "where" and action.startswith("area."):
            await self._got_area(turn, action.removeprefix("area."))
            return
        await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> bool:
        reading = read_checkin(text, self.content)
        if turn.state.step == "feeling":
            asking = turn.data(Asking)
            picked = typed_label(text, [self.words.feelings[f] for f in FEELINGS])
            feeling = reading.feeling if picked is None else FEELINGS[picked]
            if feeling is None:
                return False
            await self._answer(
                turn,
                asking.run_minute,
                asking.delivery_id,
                asking.source,
                feeling,
                reading.area,
                reading.side,
            )
            return True
        if turn.state.step == "where":
            labels = [area.label for area in self.content.areas] + [self.words.somewhere_else]
            picked = typed_label(text, labels)
            if picked is not None:
                area = self.content.areas[picked].id if picked < len(self.content.areas) else None
            elif reading.area is not None:
                area = reading.area
            elif reading.hips:
                area = None  # "my right hip": somewhere else, said as "your hips"
            else:
                return False
            # "left glute": the side is kept with the area.
            await self._got_area(turn, area or _OTHER, reading.side)
            return True
        return False

    async def not_understood(self, turn: Turn, text: str) -> None:
        if turn.state.step == "feeling":
            turn.say(self.words.ask_feeling_typed, private=True)
        else:
            turn.say(self.words.where_typed, private=True)

    async def _got_area(self, turn: Turn, area_id: str, side: Side | None = None) -> None:
        where = turn.data(Where)
        area = None if area_id == _OTHER else self.content.area(area_id)
        if area is None and area_id != _OTHER:
            turn.say(turn.texts.common.unknown_button)
            return
        await self._save(
            turn,
            where.run_minute,
            where.delivery_id,
            where.source,
            where.feeling,
            area.id if area else None,
            side or where.side if area else None,
        )

    async def _answered_already(self, turn: Turn, minute: int) -> bool:
        found = await turn.store(self.store).for_run(turn.user.id, payloads.from_minute(minute))
        if found is None:
            return False
        feeling = self.words.feelings.get(_feeling(found.feeling), found.feeling)
        turn.say(self.words.already.format(feeling=feeling), private=True)
        return True

    async def _answer(
        self,
        turn: Turn,
        minute: int,
        delivery: int,
        source: Source,
        feeling: Feeling,
        area: str | None,
        side: Side | None = None,
    ) -> None:
        run_at = payloads.from_minute(minute)
        if turn.now - run_at > TOO_OLD:
            turn.say(self.words.too_old.format(when=self._when(turn, minute)), private=True)
            return
        if await self._answered_already(turn, minute):
            if turn.state.flow == NAME:
                turn.finish()
            return
        if turn.state.flow not in (None, NAME):
            await turn.leave("switched")  # a question's button pressed mid warm-up
        if feeling != "fine" and area is None:
            turn.goto(
                NAME,
                "where",
                Where(
                    run_minute=minute,
                    delivery_id=delivery,
                    source=source,
                    feeling=feeling,
                    side=side,
                ),
            )
            self._ask_where(turn)
            return
        await self._save(turn, minute, delivery, source, feeling, area, side)

    async def _save(
        self,
        turn: Turn,
        minute: int,
        delivery: int,
        source: Source,
        feeling: Feeling,
        area: str | None,
        side: Side | None = None,
    ) -> None:
        run_at = payloads.from_minute(minute)
        side = side if area is not None else None
        await turn.store(self.store).add(
            turn.user.id, run_at, delivery or None, feeling, area, source, turn.now, side
        )
        if delivery:
            await self.runs.settle(turn, delivery)
        if turn.state.flow == NAME:
            turn.finish()
        words = self.words
        name = self.content.named(area, side)
        when = self._when(turn, minute)
        lines = [
            {
                "fine": words.thanks_fine,
                "tight": words.thanks_tight,
                "sore": words.thanks_sore,
                "pain": words.thanks_pain,
            }[feeling].format(when=when, area=name)
        ]
        if source == "question" and await self.runs.started_after(turn, run_at):
            lines.append(words.for_earlier_run.format(when=when))
        choices: list[Choice] = []
        if feeling in ("tight", "sore"):
            choices = [turn.global_choice(words.roll_button, _ROLL, Tone.GO)]
        if feeling == "pain":
            lines.append(words.pain_advice.format_map(self.emergency(turn)))
        turn.say("\n".join(lines), choices=choices, private=True)

    def _when(self, turn: Turn, minute: int) -> str:
        local = payloads.from_minute(minute).astimezone(zone_or_utc(turn.user.time_zone))
        return self.words.run_when.format(
            weekday=self.words.weekdays[local.weekday()], time=local.strftime("%H:%M")
        )


def _feeling(value: str) -> Feeling:
    return next((f for f in FEELINGS if f == value), "fine")
