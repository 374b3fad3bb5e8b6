"""/tight and plain-words reports: understand, confirm, then a release plan.

Red flags get "get this checked" and nothing else. When the reading is unsure the coach
asks with an area multi-select, then any missing side, strength or kind, then confirms;
only a confirmed report is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from bot.content.tight_models import Kind, RollPlan, Side
from bot.core.flows.base import Flow
from bot.core.flows.onboarding import send_disclaimer
from bot.core.tight import AreaReading, Reader, Reading, reader_for
from bot.core.tight.render import area_names, plan_areas, release_plan, summary, triage_message
from bot.core.tight.text import normalise
from bot.core.turn import Turn
from bot.storage.reports_repo import TightReportRepository

NAME = "tight"
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*(?:/\s*10)?\s*$")
_SIDES: tuple[Side, ...] = ("left", "right", "both")
_KINDS: tuple[Kind, ...] = ("tightness", "pain")
PRELUDE_AREAS = 3
"""At most this many areas get rolling before a warm-up: it is a warm-up, not a session."""


def _reader(turn: Turn) -> Reader:
    return reader_for(turn.content.tight)


def _areas(data: dict[str, Any]) -> list[AreaReading]:
    return [AreaReading(area, side) for area, side in data.get("areas", [])]


def _store_areas(areas: list[AreaReading]) -> list[list[str | None]]:
    return [[a.area, a.side] for a in areas]


class Tight(Flow):
    name = NAME
    commands = ("tight",)
    text_commands = ("tight",)

    # --- ways in -----------------------------------------------------------------------

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if args.strip():
            await self._report(turn, args, _reader(turn).read(args))
            return
        content = turn.content.tight
        self._start_picking(turn, {}, list(content.area_ids()), [], "ask_where")

    async def claims_text(self, turn: Turn, text: str) -> bool:
        reading = _reader(turn).read(text)
        if not (reading.says_anything() or reading.kind is not None):
            return False
        if reading.red_flag is None and turn.user.disclaimer_accepted_at is None:
            send_disclaimer(turn, then="tight", args=text)
            return True
        await self._report(turn, text, reading)
        return True

    async def _report(self, turn: Turn, text: str, reading: Reading) -> None:
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return
        content = turn.content.tight
        data: dict[str, Any] = {
            "text": text[:500],
            "areas": _store_areas(list(reading.areas)),
            "kind": reading.kind,
            "intensity": reading.intensity,
            "side_hint": reading.side_hint,
        }
        if not reading.unsure:
            await self._advance(turn, data)
            return
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
        turn.say(triage_message(turn.content.tight, reading.triage), private=True)
        turn.finish()

    # --- area multi-select -------------------------------------------------------------

    def _start_picking(
        self,
        turn: Turn,
        data: dict[str, Any],
        candidates: list[str],
        picked: list[str],
        prompt: str,
    ) -> None:
        data = {**data, "candidates": candidates, "picked": picked, "prompt": prompt}
        turn.goto(NAME, "pick", data)
        self._show_pick(turn)

    def _show_pick(self, turn: Turn) -> None:
        content = turn.content.tight
        words = content.words.tight
        data = turn.state.data
        picked = set(data["picked"])
        choices = []
        for area_id in data["candidates"]:
            label = content.vocabulary.area(area_id).label
            if area_id in picked:
                label = f"{words.buttons.tick} {label}"[:40]
            choices.append(turn.choice(label, f"tt.pick.{area_id}"))
        if len(data["candidates"]) < len(content.area_ids()):
            choices.append(turn.choice(words.buttons.more, "tt.more"))
        choices.append(turn.choice(words.buttons.done, "tt.done"))
        choices.append(turn.choice(words.buttons.cancel, "tt.cancel"))
        prompt = str(data.get("prompt", "pick_unsure"))
        text = getattr(words, prompt)
        if prompt == "too_many":
            text = text.format(max=content.vocabulary.max_areas)
        turn.say(text, choices=choices)

    def _toggle(self, turn: Turn, area_id: str) -> None:
        content = turn.content.tight
        data = dict(turn.state.data)
        if area_id not in data["candidates"]:
            self._show_pick(turn)
            return
        picked = list(data["picked"])
        limit = content.vocabulary.max_areas
        if area_id in picked:
            picked.remove(area_id)
        elif len(picked) >= limit:
            turn.say(content.words.tight.picked_too_many.format(max=limit))
        else:
            picked.append(area_id)
        turn.goto(NAME, "pick", {**data, "picked": picked})
        self._show_pick(turn)

    async def _done_picking(self, turn: Turn) -> None:
        data = dict(turn.state.data)
        if not data["picked"]:
            turn.say(turn.content.tight.words.tight.pick_at_least_one)
            self._show_pick(turn)
            return
        known = {a.area: a.side for a in _areas(data)}
        hint = data.get("side_hint")
        order = [a for a in data["candidates"] if a in data["picked"]]
        areas = [AreaReading(a, known.get(a) or hint) for a in order]
        data["areas"] = _store_areas(areas)
        await self._advance(turn, data)

    # --- the remaining questions, then confirm ----------------------------------------

    async def _advance(self, turn: Turn, data: dict[str, Any]) -> None:
        content = turn.content.tight
        words = content.words.tight
        buttons = words.buttons
        areas = _areas(data)
        sided = {a.id for a in content.vocabulary.areas if a.sided}
        missing = [a for a in areas if a.side is None and a.area in sided]
        if missing and not data.get("side_asked"):
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
        if data.get("intensity") is None:
            turn.goto(NAME, "intensity", data)
            turn.say(
                words.ask_intensity.format(),
                choices=[
                    turn.choice(buttons.mild, f"tt.int.{levels['mild']}"),
                    turn.choice(buttons.moderate, f"tt.int.{levels['moderate']}"),
                    turn.choice(buttons.strong, f"tt.int.{levels['strong']}"),
                ],
            )
            return
        if data.get("kind") is None:
            turn.goto(NAME, "kind", data)
            turn.say(
                words.ask_kind,
                choices=[turn.choice(words.kind_buttons[k], f"tt.kind.{k}") for k in _KINDS],
            )
            return
        kind = cast(Kind, data["kind"])
        triage = _reader(turn).triage.assess((), kind, int(data["intensity"]))
        if triage.level is not None:
            self._triage(turn, Reading(areas=tuple(areas), triage=triage))
            return
        turn.goto(NAME, "confirm", data)
        self._ask_confirm(turn)

    def _ask_confirm(self, turn: Turn) -> None:
        content = turn.content.tight
        words = content.words.tight
        data = turn.state.data
        text = summary(content, _areas(data), data["kind"], data["intensity"])
        turn.say(
            words.confirm.format(summary=text),
            choices=[
                turn.choice(words.buttons.looks_right, "tt.yes"),
                turn.choice(words.buttons.change, "tt.change"),
                turn.choice(words.buttons.cancel, "tt.cancel"),
            ],
        )

    async def _confirmed(self, turn: Turn) -> None:
        content = turn.content.tight
        data = turn.state.data
        areas = _areas(data)
        kind = cast(Kind, data["kind"])
        await turn.repo(TightReportRepository).add(
            turn.user.id,
            [(a.area, a.side) for a in areas],
            kind,
            int(data["intensity"]),
            str(data.get("text") or summary(content, areas, kind, data["intensity"])),
            turn.now,
        )
        for message in release_plan(content, areas, kind):
            turn.say(message)
        turn.say(content.words.tight.saved)
        turn.finish()

    # --- buttons -------------------------------------------------------------------------

    async def choice(self, turn: Turn, action: str) -> None:
        step = turn.state.step
        data = dict(turn.state.data)
        if action == "tt.cancel":
            turn.say(turn.content.tight.words.tight.cancelled)
            turn.finish()
        elif step == "pick" and action.startswith("tt.pick."):
            self._toggle(turn, action.removeprefix("tt.pick."))
        elif step == "pick" and action == "tt.more":
            all_areas = list(turn.content.tight.area_ids())
            turn.goto(NAME, "pick", {**data, "candidates": all_areas})
            self._show_pick(turn)
        elif step == "pick" and action == "tt.done":
            await self._done_picking(turn)
        elif step == "side" and action.startswith("tt.side."):
            await self._got_side(turn, action.removeprefix("tt.side."))
        elif step == "intensity" and action.startswith("tt.int."):
            value = action.removeprefix("tt.int.")
            if value.isdigit() and int(value) <= 10:
                await self._advance(turn, {**data, "intensity": int(value)})
            else:
                await self.reprompt(turn)
        elif step == "kind" and action.removeprefix("tt.kind.") in _KINDS:
            await self._advance(turn, {**data, "kind": action.removeprefix("tt.kind.")})
        elif step == "confirm" and action == "tt.yes":
            await self._confirmed(turn)
        elif step == "confirm" and action == "tt.change":
            picked = [a.area for a in _areas(data)]
            data = {**data, "side_asked": False}
            self._start_picking(
                turn, data, list(turn.content.tight.area_ids()), picked, "pick_unsure"
            )
        else:
            await super().choice(turn, action)

    async def _got_side(self, turn: Turn, side: str) -> None:
        data = dict(turn.state.data)
        chosen = next((known for known in _SIDES if known == side), None)
        sided = {a.id for a in turn.content.tight.vocabulary.areas if a.sided}
        areas = [
            AreaReading(a.area, chosen) if a.side is None and a.area in sided else a
            for a in _areas(data)
        ]
        await self._advance(turn, {**data, "areas": _store_areas(areas), "side_asked": True})

    # --- typing instead of tapping ------------------------------------------------------

    async def text(self, turn: Turn, text: str) -> None:
        content = turn.content.tight
        words = content.words.tight
        reading = _reader(turn).read(text)
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return
        plain = normalise(text)
        step = turn.state.step
        data = dict(turn.state.data)
        if step == "side":
            if reading.side_hint is not None or plain in _phrases(words.unsure_words):
                await self._got_side(turn, reading.side_hint or "none")
                return
            sides = {a.side for a in reading.areas if a.side}
            if len(sides) == 1:
                await self._got_side(turn, sides.pop() or "none")
                return
        elif step == "intensity":
            match = _NUMBER.match(text)
            value = int(match.group(1)) if match else reading.intensity
            if value is not None and 0 <= value <= 10:
                kind = data.get("kind") or reading.kind
                await self._advance(turn, {**data, "intensity": value, "kind": kind})
                return
        elif step == "kind" and reading.kind is not None:
            await self._advance(turn, {**data, "kind": reading.kind})
            return
        elif step == "confirm" and plain in _phrases(words.yes_words):
            await self._confirmed(turn)
            return
        elif step == "confirm" and plain in _phrases(words.no_words):
            await self.choice(turn, "tt.change")
            return
        if reading.says_anything():
            await self._report(turn, text, reading)
            return
        turn.say(words.type_or_tap)
        await self.reprompt(turn)

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        data = dict(turn.state.data)
        if step == "pick":
            self._show_pick(turn)
        elif step == "confirm":
            self._ask_confirm(turn)
        elif step == "side":
            await self._advance(turn, {**data, "side_asked": False})
        elif step == "intensity":
            await self._advance(turn, {**data, "intensity": None})
        else:
            await self._advance(turn, {**data, "kind": None})


def _phrases(words: tuple[str, ...]) -> set[str]:
    return {normalise(word) for word in words}


# --- the warm-up's tailored start -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prelude:
    """What a warm-up does differently because of recent reports."""

    reason: str
    """One line saying why, shown in place of the warm-up's usual reason."""
    rolling: str
    """Release work for the recently reported areas, before the first drill."""
    gentle: bool


async def tailored_prelude(turn: Turn, soreness: int, gentle: bool) -> Prelude | None:
    """Rolling for areas reported in the last few days, and whether to go gentle.

    ``None`` when nothing was reported recently: the warm-up then runs as usual. A recent
    report of pain, or of strong tightness, makes the drills gentle even on a good day.
    """
    content = turn.content.tight
    words = content.words.warmup_prelude
    since = turn.now - timedelta(days=content.words.prelude_window_days)
    reports = await turn.repo(TightReportRepository).since(turn.user.id, since)
    if not reports:
        return None
    recent: dict[str, AreaReading] = {}
    for report in reversed(reports):
        for item in report.areas:
            area_id, side = item.get("area"), item.get("side")
            if area_id in content.smr.areas and area_id not in recent:
                recent[area_id] = AreaReading(area_id, next((s for s in _SIDES if s == side), None))
    if not recent:
        return None
    areas = list(recent.values())[:PRELUDE_AREAS]
    threshold = turn.content.routine.gentle_from_soreness
    strong = any(r.kind == "pain" or (r.intensity or 0) >= threshold for r in reports)
    names = area_names(content, areas)
    if gentle:
        reason = words.reason_both.format(areas=names, score=soreness)
    elif strong:
        reason = words.reason_gentle.format(areas=names)
    else:
        reason = words.reason_areas.format(areas=names)
    lines = [words.intro]
    for area in plan_areas(content, areas)[:PRELUDE_AREAS]:
        plan = content.smr.areas[area.area]
        assert isinstance(plan, RollPlan)  # plan_areas swaps joints and spine for neighbours
        title = content.vocabulary.area(area.area).label
        lines.append("• " + words.roll_step.format(title=title, tool=plan.tool, time=plan.time))
    lines.append(content.smr.basics)
    lines.append(content.smr.avoid_everywhere)
    return Prelude(reason=reason, rolling="\n".join(lines), gentle=gentle or strong)
