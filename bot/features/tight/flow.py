"""/tight and plain-words reports: understand, confirm, then a release plan.

Red flags get "get this checked" and nothing else. When the reading is unsure the coach
asks with an area multi-select, then any missing side, strength or kind, then confirms;
only a confirmed report is stored.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from bot.core.drawings import Spot
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.numbers import read_number
from bot.core.ports import EmergencyWords, WhereToRoll
from bot.core.prompts import ask_consent
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.understanding import typed_label
from bot.features.tight import AreaReading, Reader, Reading, reader_for
from bot.features.tight.content import SIDES, Kind, TightContent
from bot.features.tight.render import (
    area_name,
    area_names,
    plan_areas,
    release_plan,
    summary,
    triage_message,
)
from bot.features.tight.state import PickPrompt, Report, pairs
from bot.features.tight.store import TightReportRepository, TightStore
from bot.features.tight.text import normalise

NAME = "tight"
_KINDS: tuple[Kind, ...] = ("tightness", "pain")


class Tight(Flow):
    name = NAME
    commands = (CommandDef("tight", takes_text=True, personal=True),)
    steps: ClassVar[Steps] = {
        step: Report for step in ("pick", "side", "intensity", "kind", "confirm")
    }

    def __init__(
        self,
        content: TightContent,
        store: StoreFactory[TightStore] = TightReportRepository,
        *,
        emergency: EmergencyWords,
        where_to_roll: WhereToRoll | None = None,
    ) -> None:
        self.content = content
        # A body outline with the spots to roll marked, sent with the plan.
        self.where_to_roll = where_to_roll
        self.emergency = emergency
        self.store = store
        self.reader: Reader = reader_for(content)

    # --- ways in -----------------------------------------------------------------------

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if args.strip():
            await self._report(turn, args, self.reader.read(args))
            return
        content = self.content
        self._start_picking(turn, Report(), list(content.area_ids()), [], "ask_where")

    async def claims_text(self, turn: Turn, text: str) -> bool:
        reading = self.reader.read(text)
        if not (reading.says_anything() or reading.kind is not None):
            return False
        if reading.red_flag is None and turn.user.disclaimer_accepted_at is None:
            ask_consent(turn, then="tight", args=text)
            return True
        await self._report(turn, text, reading)
        return True

    async def _report(self, turn: Turn, text: str, reading: Reading) -> None:
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return
        content = self.content
        data = Report(
            text=text[:500],
            areas=pairs(reading.areas),
            kind=reading.kind,
            intensity=reading.intensity,
            side_hint=reading.side_hint,
        )
        if not reading.unsure:
            await self._advance(turn, data)
            return
        prompt: PickPrompt
        if reading.too_many:
            prompt = "too_many"
        elif not reading.areas and reading.elsewhere:
            prompt = "pick_elsewhere"
        elif not reading.areas and len(reading.candidates) == len(content.area_ids()):
            prompt = "pick_none_found"
        else:
            prompt = "pick_unsure"
        picked = list(reading.area_ids[: content.vocabulary.max_areas])
        self._start_picking(turn, data, list(reading.candidates), picked, prompt)

    def _triage(self, turn: Turn, reading: Reading) -> None:
        turn.say(triage_message(self.content, reading.triage, self.emergency(turn)), private=True)
        turn.finish()

    # --- area multi-select -------------------------------------------------------------

    def _start_picking(
        self,
        turn: Turn,
        data: Report,
        candidates: list[str],
        picked: list[str],
        prompt: PickPrompt,
    ) -> None:
        data = replace(data, candidates=tuple(candidates), picked=tuple(picked), prompt=prompt)
        turn.goto(NAME, "pick", data)
        self._show_pick(turn)

    def _show_pick(self, turn: Turn) -> None:
        content = self.content
        words = content.words.tight
        data = turn.data(Report)
        picked = set(data.picked)
        choices = []
        for area_id in data.candidates:
            label = content.vocabulary.area(area_id).label
            if area_id in picked:
                label = f"{words.buttons.tick} {label}"[:40]
            choices.append(turn.choice(label, f"tt.pick.{area_id}"))
        if len(data.candidates) < len(content.area_ids()):
            choices.append(turn.choice(words.buttons.more, "tt.more"))
        choices.append(turn.choice(words.buttons.done, "tt.done"))
        choices.append(turn.choice(words.buttons.cancel, "tt.cancel"))
        prompt = data.prompt
        text = getattr(words, prompt)
        if prompt == "too_many":
            text = text.format(max=content.vocabulary.max_areas)
        turn.say(text, choices=choices)

    def _toggle(self, turn: Turn, area_id: str) -> None:
        content = self.content
        data = turn.data(Report)
        if area_id not in data.candidates:
            self._show_pick(turn)
            return
        picked = list(data.picked)
        limit = content.vocabulary.max_areas
        if area_id in picked:
            picked.remove(area_id)
        elif len(picked) >= limit:
            turn.say(content.words.tight.picked_too_many.format(max=limit))
        else:
            picked.append(area_id)
        turn.goto(NAME, "pick", replace(data, picked=tuple(picked)))
        self._show_pick(turn)

    async def _done_picking(self, turn: Turn) -> None:
        data = turn.data(Report)
        if not data.picked:
            turn.say(self.content.words.tight.pick_at_least_one)
            self._show_pick(turn)
            return
        known = {a.area: a.side for a in data.readings()}
        hint = data.side_hint
        order = [a for a in data.candidates if a in data.picked]
        areas = [AreaReading(a, known.get(a) or hint) for a in order]
        await self._advance(turn, replace(data, areas=pairs(areas)))

    # --- the remaining questions, then confirm ----------------------------------------

    async def _advance(self, turn: Turn, data: Report) -> None:
        content = self.content
        words = content.words.tight
        buttons = words.buttons
        areas = data.readings()
        sided = {a.id for a in content.vocabulary.areas if a.sided}
        missing = [a for a in areas if a.side is None and a.area in sided]
        if missing and not data.side_asked:
            turn.goto(NAME, "side", data)
            turn.say(
                words.ask_side.format(areas=area_names(content, missing)),
                choices=[
                    turn.choice(buttons.left, "tt.side.left"),
                    turn.choice(buttons.right, "tt.side.right"),
                    turn.choice(buttons.both, "tt.side.both"),
                    turn.choice(buttons.unsure_side, "tt.side.none"),
                ],
            )
            return
        levels = content.vocabulary.intensity.levels
        if data.intensity is None:
            turn.goto(NAME, "intensity", data)
            turn.say(
                words.ask_intensity.format(),
                choices=[
                    turn.choice(buttons.mild, f"tt.int.{levels['mild']}"),
                    turn.choice(buttons.moderate, f"tt.int.{levels['moderate']}"),
                    turn.choice(buttons.strong, f"tt.int.{levels['strong']}"),
                ],
                asks_number=True,
            )
            return
        if data.kind is None:
            turn.goto(NAME, "kind", data)
            turn.say(
                words.ask_kind,
                choices=[turn.choice(words.kind_buttons[k], f"tt.kind.{k}") for k in _KINDS],
            )
            return
        triage = self.reader.triage.assess((), data.kind, data.intensity)
        if triage.level is not None:
            self._triage(turn, Reading(areas=tuple(areas), triage=triage))
            return
        turn.goto(NAME, "confirm", data)
        self._ask_confirm(turn)

    def _ask_confirm(self, turn: Turn) -> None:
        content = self.content
        words = content.words.tight
        data = turn.data(Report)
        text = summary(content, data.readings(), data.kind, data.intensity)
        turn.say(
            words.confirm.format(summary=text),
            choices=[
                turn.choice(words.buttons.looks_right, "tt.yes"),
                turn.choice(words.buttons.change, "tt.change"),
                turn.choice(words.buttons.cancel, "tt.cancel"),
            ],
        )

    async def _confirmed(self, turn: Turn) -> None:
        content = self.content
        data = turn.data(Report)
        areas = data.readings()
        kind, intensity = data.kind, data.intensity
        if kind is None or intensity is None:  # not asked yet: ask now
            await self._advance(turn, data)
            return
        await turn.store(self.store).add(
            turn.user.id,
            [(a.area, a.side) for a in areas],
            kind,
            intensity,
            data.text or summary(content, areas, kind, intensity),
            turn.now,
        )
        picture = None
        if self.where_to_roll is not None:
            planned = plan_areas(content, areas)
            spots = [Spot(a.area, a.side, area_name(content, a)) for a in planned]
            picture = self.where_to_roll(spots) if spots else None
        for number, message in enumerate(release_plan(content, areas, kind)):
            turn.say(message, image=picture if number == 0 else None)
        turn.say(content.words.tight.saved)
        turn.finish()

    # --- buttons -------------------------------------------------------------------------

    async def choice(self, turn: Turn, action: str) -> None:
        step = turn.state.step
        data = turn.data(Report)
        if action == "tt.cancel":
            turn.say(self.content.words.tight.cancelled)
            turn.finish()
        elif step == "pick" and action.startswith("tt.pick."):
            self._toggle(turn, action.removeprefix("tt.pick."))
        elif step == "pick" and action == "tt.more":
            all_areas = list(self.content.area_ids())
            turn.goto(NAME, "pick", replace(data, candidates=tuple(all_areas)))
            self._show_pick(turn)
        elif step == "pick" and action == "tt.done":
            await self._done_picking(turn)
        elif step == "side" and action.startswith("tt.side."):
            await self._got_side(turn, action.removeprefix("tt.side."))
        elif step == "intensity" and action.startswith("tt.int."):
            value = action.removeprefix("tt.int.")
            if value.isdigit() and int(value) <= 10:
                await self._advance(turn, replace(data, intensity=int(value)))
            else:
                await self.reprompt(turn)
        elif step == "kind" and (kind := _kind(action.removeprefix("tt.kind."))) is not None:
            await self._advance(turn, replace(data, kind=kind))
        elif step == "confirm" and action == "tt.yes":
            await self._confirmed(turn)
        elif step == "confirm" and action == "tt.change":
            picked = [a.area for a in data.readings()]
            data = replace(data, side_asked=False)
            self._start_picking(turn, data, list(self.content.area_ids()), picked, "pick_unsure")
        else:
            await super().choice(turn, action)

    async def _got_side(self, turn: Turn, side: str) -> None:
        data = turn.data(Report)
        chosen = next((known for known in SIDES if known == side), None)
        sided = {a.id for a in self.content.vocabulary.areas if a.sided}
        areas = [
            AreaReading(a.area, chosen) if a.side is None and a.area in sided else a
            for a in data.readings()
        ]
        await self._advance(turn, replace(data, areas=pairs(areas), side_asked=True))

    # --- typing instead of tapping ------------------------------------------------------

    async def text(self, turn: Turn, text: str) -> bool:
        content = self.content
        words = content.words.tight
        reading = self.reader.read(text)
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return True
        plain = normalise(text)
        step = turn.state.step
        data = turn.data(Report)
        if step == "side":
            if reading.side_hint is not None or plain in _phrases(words.unsure_words):
                await self._got_side(turn, reading.side_hint or "none")
                return True
            sides = {a.side for a in reading.areas if a.side}
            if len(sides) == 1:
                await self._got_side(turn, sides.pop() or "none")
                return True
        elif step == "intensity":
            typed = read_number(text, 0, 10)
            value = typed if typed is not None else reading.intensity
            levels = content.vocabulary.intensity.levels
            picked = typed_label(
                text, [words.buttons.mild, words.buttons.moderate, words.buttons.strong]
            )
            if value is None and picked is not None:  # a button's label typed: "moderate"
                value = levels[("mild", "moderate", "strong")[picked]]
            if value is not None and 0 <= value <= 10:
                kind = data.kind or reading.kind
                await self._advance(turn, replace(data, intensity=value, kind=kind))
                return True
        elif step == "kind" and reading.kind is not None:
            await self._advance(turn, replace(data, kind=reading.kind))
            return True
        elif step == "confirm" and plain in _phrases(words.yes_words):
            await self._confirmed(turn)
            return True
        elif step == "confirm" and plain in _phrases(words.no_words):
            await self.choice(turn, "tt.change")
            return True
        if reading.says_anything():
            await self._report(turn, text, reading)
            return True
        # Nothing about a body: "hi", "how long should I foam roll for?" go to the passes
        # after the step, and the question stays as it was.
        return False

    async def not_understood(self, turn: Turn, text: str) -> None:
        turn.say(self.content.words.tight.type_or_tap)
        await self.reprompt(turn)

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        data = turn.data(Report)
        if step == "pick":
            self._show_pick(turn)
        elif step == "confirm":
            self._ask_confirm(turn)
        elif step == "side":
            await self._advance(turn, replace(data, side_asked=False))
        elif step == "intensity":
            await self._advance(turn, replace(data, intensity=None))
        else:
            await self._advance(turn, replace(data, kind=None))


def _phrases(words: tuple[str, ...]) -> set[str]:
    return {normalise(word) for word in words}


def _kind(word: str) -> Kind | None:
    return next((kind for kind in _KINDS if kind == word), None)
