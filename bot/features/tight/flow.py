"""/tight and plain-words reports: help first, then the log.

A clear report ("tight quads", "IT band on my left leg is angry") gets its rolling plan
straight away. Only what changes the plan is asked before it, and at most once: tight or
painful, when the runner didn't say, or how painful (8/10 or more is a red flag, not a
plan). Side and strength, which only the log needs, are asked after the plan, one tap or
word each. A vague report ("my hips feel tight", "everything hurts") gets the area picker:
the coach asks, it never guesses. Red flags get "get this checked" and nothing else (the
understanding step hears them before any flow).

The report is stored with its plan; answers and corrections ("no, both sides", "just the
left", "not the hamstring, the calf") update it, and a red flag found later removes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import ClassVar

from bot.core.calendar import local_day, zone_or_utc
from bot.core.counts import Counts, PacedCount
from bot.core.drawings import Spot
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Choice, ImageRef, Reply, Tone
from bot.core.ports import EmergencyWords, OptionSpec, WhereToRoll
from bot.core.prompts import ask_consent
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.features.tight import AreaReading, Reader, Reading, reader_for
from bot.features.tight.content import (
    ADJUSTMENTS,
    SIDES,
    Adjustment,
    Kind,
    RollCount,
    RollPlan,
    Side,
    TightContent,
)
from bot.features.tight.counting import roll_beats
from bot.features.tight.lighter import choose, effort_hours
from bot.features.tight.models import TightReport
from bot.features.tight.reading import Correction, Effort
from bot.features.tight.render import (
    area_name,
    one_screen_plan,
    plan_areas,
    plan_in_detail,
    summary,
    titles,
    triage_message,
)
from bot.features.tight.state import Asking, PickPrompt, Report, pairs
from bot.features.tight.store import TightReportRepository, TightStore
from bot.features.tight.text import normalise

NAME = "tight"
DETAIL = "tt.detail."
"""The "More detail" button under a plan: valid at any time, for that stored report."""
COUNT = "tt.count."
"""A "Count me through: quads" button under a plan (``tt.count.<report>.<n>``, the n-th
area of its plan), and the Stop under the count (``tt.count.stop``)."""
STOP_COUNT = f"{COUNT}stop"
LOG = "tt.log."
"""The log's buttons under a plan (``tt.log.<report>.side.left``, ``.int.6``, ``.skip``):
valid at any time, for that stored report, so the plan ends the conversation and a runner
who never answers is not left inside it."""
_KINDS: tuple[Kind, ...] = ("tightness", "pain")
_SIDE_LETTERS = {"l": "left", "r": "right", "b": "both"}
_STRENGTHS = range(1, 11)


class Tight(Flow):
    name = NAME
    commands = (CommandDef("tight", takes_text=True, personal=True),)
    global_prefixes = (DETAIL, LOG, COUNT)
    steps: ClassVar[Steps] = {step: Report for step in ("pick", "kind", "strength", "confirm")}

    def __init__(
        self,
        content: TightContent,
        store: StoreFactory[TightStore] = TightReportRepository,
        *,
        emergency: EmergencyWords,
        where_to_roll: WhereToRoll | None = None,
        counts: Counts | None = None,
    ) -> None:
        self.content = content
        # Paced counts of each rolling area ("Count me through"), where content has one.
        self.counts = counts
        # A body outline with the spots to roll marked, sent with the plan.
        self.where_to_roll = where_to_roll
        self.emergency = emergency
        self.store = store
        self.reader: Reader = reader_for(content)
        # A report of every area: read against it, is a text a correction of any report?
        self._any_report = tuple(AreaReading(a, "left") for a in content.area_ids())

    @staticmethod
    def _say(
        turn: Turn,
        text: str,
        *,
        choices: Sequence[Choice] = (),
        image: ImageRef | None = None,
        asks_number: bool = False,
        bold: Sequence[str] = (),
        in_place: bool = False,
    ) -> None:
        """Everything said about a tight spot is about the runner's body: where a group
        can see the chat, it is shown to the runner alone."""
        turn.say(
            text,
            choices=tuple(choices),
            image=image,
            asks_number=asks_number,
            private=True,
            bold=tuple(bold),
            in_place=in_place,
        )

    # --- ways in -----------------------------------------------------------------------

    def command_options(self, command: str) -> tuple[OptionSpec, ...]:
        """/tight's boxes: an area and a side to pick, beside the runner's own words.
        They join into the line the reader reads ("glute left knotted, 4/10"); each
        area goes by its short name, which the reader knows as that area."""
        if command != NAME:
            return ()
        words = self.content.words.tight
        buttons = words.buttons
        areas = tuple((area.label, area.short) for area in self.content.vocabulary.areas)
        sides = (("left", buttons.left), ("right", buttons.right), ("both", buttons.both))
        return (
            OptionSpec("area", words.options.area, choices=areas),
            OptionSpec("side", words.options.side, choices=tuple((b, s) for s, b in sides)),
            OptionSpec("text", words.options.text),
        )

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if args.strip():
            await self._report(turn, args, self.reader.read(args))
            return
        content = self.content
        self._start_picking(turn, Report(), list(content.area_ids()), [], "ask_where")

    async def claims_text(self, turn: Turn, text: str) -> bool:
        reading = self.reader.read(text)
        accepted = turn.user.disclaimer_accepted_at is not None
        if (
            reading.red_flag is None
            and accepted
            and self.reader.may_correct(text, reading)
            and await self._correct_latest(turn, text)
        ):
            return True
        if not (reading.says_anything() or reading.kind is not None):
            return False
        if reading.red_flag is None and not accepted:
            ask_consent(turn, then="tight", args=text)
            return True
        await self._report(turn, text, reading)
        return True

    async def _report(self, turn: Turn, text: str, reading: Reading) -> None:
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return
        content = self.content
        effort = reading.effort
        data = Report(
            text=text[:500],
            areas=pairs(reading.areas),
            kind=reading.kind,
            intensity=reading.intensity,
            side_hint=reading.side_hint,
            strain=reading.strain,
            effort=effort is not None,
            effort_days=effort.days_ago if effort is not None else None,
            effort_weekday=effort.weekday if effort is not None else None,
        )
        if not reading.unsure:
            await self._areas_known(turn, data)
            return
        if (
            reading.areas
            and not reading.too_many
            and set(reading.candidates) == set(reading.area_ids)
        ):
            # Only a loose typo ("gltues"): one tap to say yes.
            turn.goto(NAME, "confirm", replace(data, asked=True))
            self._ask_confirm(turn)
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
        self._say(turn, triage_message(self.content, reading.triage, self.emergency(turn)))
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

    def _show_pick(self, turn: Turn, *, in_place: bool = False) -> None:
        """The areas to pick from; ``in_place`` after a tap on one of its own buttons,
        which a platform that can shows by changing the buttons of the pressed message."""
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
        self._say(turn, text, choices=choices, in_place=in_place)

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
            self._say(turn, content.words.tight.picked_too_many.format(max=limit))
            turn.goto(NAME, "pick", data)
            self._show_pick(turn)
            return
        else:
            picked.append(area_id)
        turn.goto(NAME, "pick", replace(data, picked=tuple(picked)))
        self._show_pick(turn, in_place=True)

    async def _done_picking(self, turn: Turn) -> None:
        data = turn.data(Report)
        if not data.picked:
            self._say(turn, self.content.words.tight.pick_at_least_one)
            self._show_pick(turn)
            return
        known = {a.area: a.side for a in data.readings()}
        hint = data.side_hint
        order = [a for a in data.candidates if a in data.picked]
        areas = [AreaReading(a, known.get(a) or self._side_for(a, hint)) for a in order]
        await self._areas_known(turn, replace(data, areas=pairs(areas)))

    def _side_for(self, area: str, side: str | None) -> Side | None:
        if area not in self._sided():
            return None
        return next((s for s in SIDES if s == side), None)

    def _sided(self) -> set[str]:
        return {a.id for a in self.content.vocabulary.areas if a.sided}

    # --- the one question that changes the plan -----------------------------------------

    async def _areas_known(self, turn: Turn, data: Report) -> None:
        """The areas are clear: ask what changes the plan, if anything, then give it."""
        if not data.asked and data.kind is None and not data.effort:
            turn.goto(NAME, "kind", replace(data, asked=True))
            self._ask_kind(turn)
            return
        if not data.asked and data.kind == "pain" and data.intensity is None:
            turn.goto(NAME, "strength", replace(data, asked=True))
            self._ask_strength(turn)
            return
        await self._plan(turn, data)

    def _ask_kind(self, turn: Turn) -> None:
        words = self.content.words.tight
        choices = [turn.choice(words.kind_buttons[k], f"tt.kind.{k}") for k in _KINDS]
        choices.append(turn.choice(words.buttons.hurts_a_lot, "tt.kind.strong"))
        self._say(turn, words.ask_kind, choices=choices)

    def _ask_strength(self, turn: Turn) -> None:
        words = self.content.words.tight
        self._say(turn, words.ask_strength, choices=self._strength_choices(turn), asks_number=True)

    def _strength_choices(self, turn: Turn) -> list[Choice]:
        # 1 to 10 in order, so that in the terminal typing "6" and pressing [6] agree.
        return [turn.choice(str(n), f"tt.int.{n}") for n in _STRENGTHS]

    def _ask_confirm(self, turn: Turn) -> None:
        content = self.content
        words = content.words.tight
        data = turn.data(Report)
        text = summary(content, data.readings(), data.kind, data.intensity)
        self._say(
            turn,
            words.confirm.format(summary=text),
            choices=[
                turn.choice(words.buttons.looks_right, "tt.yes"),
                turn.choice(words.buttons.change, "tt.change"),
                turn.choice(words.buttons.cancel, "tt.cancel"),
            ],
        )

    # --- the plan ----------------------------------------------------------------------

    async def _plan(self, turn: Turn, data: Report) -> None:
        """Store the report and give its plan; then the log's questions, if any."""
        content = self.content
        areas = data.readings()
        if not areas:
            all_areas = list(content.area_ids())
            self._start_picking(turn, data, all_areas, [], "pick_none_found")
            return
        kind: Kind = data.kind or "tightness"
        triage = self.reader.triage.assess((), kind, data.intensity)
        if triage.level is not None:
            self._triage(turn, Reading(areas=tuple(areas), triage=triage))
            return
        hours = await self._effort_hours(turn, data.named_effort(), turn.now)
        adjustment = choose(
            content.smr.lighter,
            kind=kind,
            intensity=data.intensity,
            strain=data.strain,
            hours_since_effort=hours,
        )
        report = await turn.store(self.store).add(
            turn.user.id,
            list(pairs(areas)),
            kind,
            data.intensity,
            data.text or summary(content, areas, kind, data.intensity),
            turn.now,
        )
        data = replace(data, kind=kind, report_id=report.id, adjustment=adjustment)
        await self._send_plan(turn, data)

    async def _send_plan(self, turn: Turn, data: Report) -> None:
        """The plan for the report ``data`` (stored): the conversation ends with it; the
        log's question below it is answered with global buttons or in words."""
        content = self.content
        asking = self._next_question(data)
        plan = one_screen_plan(
            content,
            data.readings(),
            data.kind,
            data.intensity,
            data.adjustment,
            preamble=await self._preamble_due(turn),
            tail=self._tail(asking),
        )
        if plan.preamble:
            await turn.store(self.store).preamble_shown(turn.user.id, turn.now)
        turn.finish()
        choices = self._log_choices(turn, data.report_id, asking)
        choices += self._count_choices(turn, data, start=0)
        self._say(
            turn,
            plan.text,
            choices=choices,
            image=self._picture(data.readings()),
            bold=_found_in(plan.text, titles(content, data.readings())),
        )

    def _countable(self, data: Report) -> list[tuple[AreaReading, RollCount]]:
        """The plan's areas that can be counted through, in the plan's order."""
        found = []
        for reading in plan_areas(self.content, data.readings()):
            plan = self.content.smr.areas[reading.area]
            if isinstance(plan, RollPlan) and plan.count is not None:
                found.append((reading, plan.count))
        return found

    def _count_choices(self, turn: Turn, data: Report, *, start: int) -> list[Choice]:
        """ "Count me through: quads" for each countable area from the ``start``-th on."""
        if self.counts is None or data.report_id is None:
            return []
        label = self.content.words.tight.buttons.count
        return [
            turn.global_choice(
                label.format(area=area_name(self.content, reading))[:40],
                f"{COUNT}{data.report_id}.{number}",
            )
            for number, (reading, _) in enumerate(self._countable(data))
            if number >= start
        ]

    async def _count_area(self, turn: Turn, report_id: int, number: int) -> None:
        """One area rolled with the coach counting, on one message edited in place; at the
        end it offers the next area."""
        words = self.content.words.tight
        found = await self._stored(turn, report_id)
        areas = self._countable(found[1]) if found is not None else []
        if found is None or not 0 <= number < len(areas) or self.counts is None:
            self._say(turn, words.detail_gone)
            return
        data = found[1]
        reading, count = areas[number]
        sided = reading.area in self._sided()
        sides: list[Side | None] = [reading.side]
        if sided and reading.side in (None, "both"):
            sides = ["left", "right"]
        parts = [area_name(self.content, AreaReading(reading.area, side)) for side in sides]
        beats, ends_after = roll_beats(words, parts, count, light=data.adjustment is not None)
        name = area_name(self.content, reading)
        done_text = words.roll_done.format(area=name[:1].upper() + name[1:])
        done = Reply(done_text, choices=tuple(self._count_choices(turn, data, start=number + 1)))
        controls = (turn.global_choice(words.buttons.stop_count, STOP_COUNT, Tone.STOP),)
        counting = await self.counts.begin(
            turn, PacedCount(tuple(beats), ends_after, done, controls)
        )
        turn.say(beats[0].text, choices=controls, private=True, count=counting)

    def _picture(self, areas: list[AreaReading]) -> ImageRef | None:
        if self.where_to_roll is None:
            return None
        content = self.content
        planned = plan_areas(content, areas)
        spots = [Spot(a.area, a.side, area_name(content, a)) for a in planned]
        return self.where_to_roll(spots) if spots else None

    def _log_choices(
        self, turn: Turn, report_id: int | None, asking: Asking | None
    ) -> list[Choice]:
        if report_id is None:
            return []
        buttons = self.content.words.tight.buttons
        log = f"{LOG}{report_id}."
        choices: list[Choice] = []
        if asking == "side":
            choices = [
                turn.global_choice(label, f"{log}side.{side}")
                for label, side in (
                    (buttons.left, "left"),
                    (buttons.right, "right"),
                    (buttons.both, "both"),
                )
            ]
        elif asking == "strength":
            # 1 to 10 in order, so that in the terminal typing "6" and pressing [6] agree.
            choices = [turn.global_choice(str(n), f"{log}int.{n}") for n in _STRENGTHS]
        if asking is not None:
            choices.append(turn.global_choice(buttons.skip, f"{log}skip"))
        choices.append(turn.global_choice(buttons.more_detail, f"{DETAIL}{report_id}"))
        return choices

    def _next_question(self, data: Report) -> Asking | None:
        sided = self._sided()
        if any(a.side is None and a.area in sided for a in data.readings()):
            return "side"
        if data.intensity is None:
            return "strength"
        return None

    def _tail(self, asking: Asking | None) -> str:
        words = self.content.words.tight
        if asking == "side":
            return words.log_side
        if asking == "strength":
            return words.log_strength
        return f"{words.saved} {words.not_right}"

    async def _preamble_due(self, turn: Turn) -> bool:
        """The general how-to goes with the first plan of the runner's (local) day."""
        shown = await turn.store(self.store).preamble_shown_at(turn.user.id)
        if shown is None:
            return True
        tz = zone_or_utc(turn.user.time_zone)
        return local_day(shown, tz) != local_day(turn.now, tz)

    async def _effort_hours(
        self, turn: Turn, effort: Effort | None, now: datetime, skip: int | None = None
    ) -> float | None:
        """Hours since the hard effort this report names, or else one a recent report
        named ("after the marathon" yesterday makes today's soreness DOMS)."""
        tz = zone_or_utc(turn.user.time_zone)
        if effort is not None:
            return effort_hours(effort, now, now, tz)
        until = self.content.smr.lighter.doms_until_hours
        reports = await turn.store(self.store).since(turn.user.id, now - timedelta(hours=until))
        for report in reversed(reports):
            if report.id == skip or report.created_at > now:
                continue
            found = self.reader.read(report.text).effort
            hours = effort_hours(found, report.created_at, now, tz)
            if hours is not None and hours <= until:
                return hours
        return None

    # --- after the plan: the log's questions and corrections --------------------------

    async def _stored(self, turn: Turn, report_id: int) -> tuple[TightReport, Report] | None:
        """A stored report of this runner, as the flow's data (with its plan's adjustment)."""
        report = await turn.store(self.store).get(turn.user.id, report_id)
        if report is None:
            return None
        kind = next((k for k in _KINDS if k == report.kind), None)
        reading = self.reader.read(report.text)
        hours = await self._effort_hours(turn, reading.effort, report.created_at, report.id)
        adjustment = choose(
            self.content.smr.lighter,
            kind=kind,
            intensity=report.intensity,
            strain=reading.strain,
            hours_since_effort=hours,
        )
        data = Report(
            text=report.text,
            areas=pairs(self._stored_areas(report)),
            kind=kind,
            intensity=report.intensity,
            strain=reading.strain,
            report_id=report.id,
            adjustment=adjustment,
        )
        return report, data

    def _stored_areas(self, report: TightReport) -> list[AreaReading]:
        known = set(self.content.area_ids())
        return [
            AreaReading(str(item["area"]), next((s for s in SIDES if s == item.get("side")), None))
            for item in report.areas
            if item.get("area") in known
        ]

    async def _logged(
        self, turn: Turn, report: TightReport, data: Report, *, ask_next: bool = True
    ) -> None:
        """An answer or a correction that keeps the areas: store it, say so (and, if it
        makes the plan lighter, why), then the log's next question."""
        content = self.content
        words = content.words.tight
        store = turn.store(self.store)
        areas = data.readings()
        kind: Kind = data.kind or "tightness"
        triage = self.reader.triage.assess((), kind, data.intensity)
        if triage.level is not None:
            # Red flags are never kept; the plan given before no longer stands.
            await store.delete(report)
            self._say(
                turn,
                triage_message(content, triage, self.emergency(turn)),
            )
            return
        await store.update(report, list(pairs(areas)), kind, data.intensity)
        lighter = self._more_important(
            data.adjustment,
            choose(
                content.smr.lighter,
                kind=kind,
                intensity=data.intensity,
                strain=data.strain,
                hours_since_effort=None,
            ),
        )
        lines = [words.updated.format(summary=summary(content, areas, kind, data.intensity))]
        if lighter != data.adjustment and lighter is not None:
            lines.append(content.smr.lighter.reasons[lighter].line.format(score=data.intensity))
        asking = self._next_question(data) if ask_next else None
        lines.append(self._tail(asking) if asking else words.saved)
        self._say(turn, "\n".join(lines), choices=self._log_choices(turn, report.id, asking))

    @staticmethod
    def _more_important(a: Adjustment | None, b: Adjustment | None) -> Adjustment | None:
        found = [x for x in (a, b) if x is not None]
        return min(found, key=ADJUSTMENTS.index) if found else None

    async def _corrected(
        self, turn: Turn, report: TightReport, data: Report, correction: Correction
    ) -> None:
        """A correction after the plan: new areas get a new plan, the rest an update."""
        content = self.content
        if not correction.areas:
            self._say(turn, content.words.tight.correction_ask)
            return
        data = replace(
            data,
            areas=pairs(correction.areas),
            kind=correction.kind or data.kind,
            intensity=correction.intensity,
        )
        if not correction.areas_changed:
            await self._logged(turn, report, data)
            return
        kind: Kind = data.kind or "tightness"
        triage = self.reader.triage.assess((), kind, data.intensity)
        store = turn.store(self.store)
        if triage.level is not None:
            await store.delete(report)
            self._triage(turn, Reading(areas=correction.areas, triage=triage))
            return
        await store.update(report, list(pairs(correction.areas)), kind, data.intensity)
        await self._send_plan(turn, replace(data, kind=kind))

    async def _correct_latest(self, turn: Turn, text: str) -> bool:
        """Outside any step, just after a plan: the log's answers typed ("left", "6") and
        corrections ("no, both sides", "not the hamstring, the calf") change that report."""
        words = self.content.words.tight
        plain = normalise(text)
        letter = _SIDE_LETTERS.get(plain)
        unsure = plain in _phrases(words.unsure_words)
        refused = plain in _phrases(words.no_words)
        yes = _phrases(words.yes_words)
        agreed = plain in yes or (bool(plain) and set(plain.split()) <= yes)
        detail = plain in _phrases(words.detail_words)
        count = plain in _phrases(words.count_words)
        if not (letter or unsure or refused or agreed or detail or count) and (
            self.reader.correct(text, self._any_report, None, None) is None
        ):
            return False  # nothing like an answer or a correction: no need to look
        minutes = self.content.words.correction_window_minutes
        reports = await turn.store(self.store).since(
            turn.user.id, turn.now - timedelta(minutes=minutes)
        )
        found = await self._stored(turn, reports[-1].id) if reports else None
        if found is None:
            return False
        report, data = found
        if detail:
            self._show_detail(turn, data)
            return True
        if count:
            await self._count_area(turn, report.id, 0)
            return True
        if unsure:
            self._say(turn, words.saved)
            return True
        if refused:
            self._say(turn, words.correction_ask)
            return True
        if letter is not None:
            await self._logged(turn, report, self._with_side(data, letter))
            return True
        correction = self.reader.correct(text, data.readings(), data.kind, data.intensity)
        if correction is None:
            if agreed:  # "yes", "ok" to the plan: it stays as it is
                self._say(turn, words.saved)
            return agreed
        await self._corrected(turn, report, data, correction)
        return True

    # --- buttons -------------------------------------------------------------------------

    async def choice(self, turn: Turn, action: str) -> None:
        step = turn.state.step
        data = turn.data(Report)
        if action == "tt.cancel":
            self._say(turn, self.content.words.tight.cancelled)
            turn.finish()
        elif step == "pick" and action.startswith("tt.pick."):
            self._toggle(turn, action.removeprefix("tt.pick."))
        elif step == "pick" and action == "tt.more":
            all_areas = list(self.content.area_ids())
            turn.goto(NAME, "pick", replace(data, candidates=tuple(all_areas)))
            self._show_pick(turn, in_place=True)
        elif step == "pick" and action == "tt.done":
            await self._done_picking(turn)
        elif step == "kind" and action == "tt.kind.strong":
            strong = self.content.vocabulary.intensity.levels["strong"]
            await self._plan(turn, replace(data, kind="pain", intensity=strong))
        elif step == "kind" and (kind := _kind(action.removeprefix("tt.kind."))) is not None:
            await self._plan(turn, replace(data, kind=kind))
        elif step == "strength" and (value := _strength(action)) is not None:
            await self._plan(turn, replace(data, intensity=value))
        elif step == "confirm" and action == "tt.yes":
            await self._areas_known(turn, data)
        elif step == "confirm" and action == "tt.change":
            picked = [a.area for a in data.readings()]
            self._start_picking(turn, data, list(self.content.area_ids()), picked, "pick_unsure")
        else:
            await super().choice(turn, action)

    def _with_side(self, data: Report, side: str) -> Report:
        sided = self._sided()
        chosen = next((known for known in SIDES if known == side), None)
        areas = [
            AreaReading(a.area, chosen) if a.side is None and a.area in sided else a
            for a in data.readings()
        ]
        return replace(data, areas=pairs(areas))

    async def global_choice(self, turn: Turn, action: str) -> None:
        """The buttons under a plan, whenever they are pressed: the log's answers (for
        that report) and "More detail"."""
        if action == STOP_COUNT:
            words = self.content.words.tight
            stopped = self.counts is not None and await self.counts.end(turn)
            self._say(turn, words.count_stopped if stopped else words.nothing_counting)
            return
        if action.startswith(COUNT):
            counted, _, number = action.removeprefix(COUNT).partition(".")
            if counted.isdigit() and number.isdigit():
                await self._count_area(turn, int(counted), int(number))
                return
        prefix = DETAIL if action.startswith(DETAIL) else LOG
        number, _, answer = action.removeprefix(prefix).partition(".")
        if not action.startswith(prefix) or not number.isdigit():
            await super().global_choice(turn, action)
            return
        found = await self._stored(turn, int(number))
        if found is None:
            self._say(turn, self.content.words.tight.detail_gone)
            return
        report, data = found
        if prefix == DETAIL:
            self._show_detail(turn, data)
        elif answer.startswith("side."):
            await self._logged(turn, report, self._with_side(data, answer.removeprefix("side.")))
        elif (value := _strength(answer.replace("int.", "tt.int.", 1))) is not None:
            await self._logged(turn, report, replace(data, intensity=value))
        elif answer == "skip":
            self._say(turn, self.content.words.tight.saved)
        else:
            await super().global_choice(turn, action)

    def _show_detail(self, turn: Turn, data: Report) -> None:
        """The plan in detail, as "More detail" shows it."""
        headings = titles(self.content, data.readings())
        for message in plan_in_detail(self.content, data.readings(), data.kind, data.adjustment):
            self._say(turn, message, bold=_found_in(message, headings))

    # --- typing instead of tapping ------------------------------------------------------

    async def text(self, turn: Turn, text: str) -> bool:
        reading = self.reader.read(text)
        if reading.red_flag is not None:
            self._triage(turn, reading)
            return True
        step = turn.state.step
        data = turn.data(Report)
        words = self.content.words.tight
        plain = normalise(text)
        if step == "pick":
            if reading.says_anything():
                await self._report(turn, text, reading)
                return True
            if reading.side_hint is not None:
                turn.goto(NAME, "pick", replace(data, side_hint=reading.side_hint))
                self._show_pick(turn)
                return True
            return False
        if step == "confirm" and plain in _phrases(words.yes_words):
            await self._areas_known(turn, data)
            return True
        if step == "confirm" and plain in _phrases(words.no_words):
            await self.choice(turn, "tt.change")
            return True
        correction = self.reader.correct(text, data.readings(), data.kind, data.intensity)
        if correction is not None:
            await self._typed_correction(turn, data, correction)
            return True
        if reading.says_anything():
            await self._report(turn, text, reading)
            return True
        return False

    async def _typed_correction(self, turn: Turn, data: Report, correction: Correction) -> None:
        """A correction typed at a question before the plan: it may answer it, too."""
        step = turn.state.step
        data = replace(
            data,
            areas=pairs(correction.areas),
            kind=correction.kind or data.kind,
            intensity=correction.intensity,
        )
        if not correction.areas:
            all_areas = list(self.content.area_ids())
            self._start_picking(turn, data, all_areas, [], "pick_unsure")
        elif step == "kind" and data.kind is None and data.intensity is None:
            turn.goto(NAME, "kind", data)  # only the side changed: the question stands
            self._ask_kind(turn)
        elif step == "strength" and data.intensity is None and data.kind == "pain":
            turn.goto(NAME, "strength", data)
            self._ask_strength(turn)
        else:
            await self._plan(turn, replace(data, kind=data.kind or "tightness"))

    async def not_understood(self, turn: Turn, text: str) -> None:
        self._say(turn, self.content.words.tight.type_or_tap)

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        if step == "pick":
            self._show_pick(turn)
        elif step == "confirm":
            self._ask_confirm(turn)
        elif step == "kind":
            self._ask_kind(turn)
        else:
            self._ask_strength(turn)


def _phrases(words: tuple[str, ...]) -> set[str]:
    return {normalise(word) for word in words}


def _kind(word: str) -> Kind | None:
    return next((kind for kind in _KINDS if kind == word), None)


def _strength(action: str) -> int | None:
    value = action.removeprefix("tt.int.")
    if action.startswith("tt.int.") and value.isdigit() and int(value) <= 10:
        return int(value)
    return None


def _found_in(text: str, parts: Sequence[str]) -> list[str]:
    return [part for part in parts if part and part in text]
