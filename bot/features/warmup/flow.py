"""/warmup: a soreness check, then the drills one at a time, paced with buttons.

``/warmup quick`` is the same drills with fewer reps (under 3 minutes); ``/roll`` is the
post-run rolling routine, area by area with the same buttons. The last after-run
check-in shapes the warm-up (rolling first, gentle, a check on pain, or praise), and the
summary names the streak and whether every run this week had its warm-up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import ClassVar

from bot.core.calendar import local_day, periods, streak, zone_or_utc
from bot.core.counts import Counts, PacedCount
from bot.core.flow import CommandDef, Flow, Steps
from bot.core.messages import Choice, Reply, Tone
from bot.core.numbers import read_number
from bot.core.ports import (
    AfterRunAdvice,
    DrillDemos,
    EmergencyWords,
    PlannedRuns,
    RunAdvice,
    WarmupPrelude,
)
from bot.core.stores import StoreFactory
from bot.core.turn import Turn
from bot.core.understanding import (
    WARMUP_DONE_OFFER,
    read_amount,
    typed_label,
    typed_no,
    typed_phrase,
    typed_yes,
)
from bot.features.warmup.content import Drill, DrillBook, RollingRoutine, Routine, WarmupTexts
from bot.features.warmup.counting import drill_beats
from bot.features.warmup.state import (
    Asked,
    Checked,
    DrillAnswer,
    Drilling,
    Outcome,
    RoutineName,
    as_rows,
    from_rows,
)
from bot.features.warmup.store import WarmupRepository, WarmupStore

NAME = "warmup"
_OUTCOMES: dict[str, Outcome] = {"done": "done", "skip": "skipped"}
_QUICK_WORDS = {"quick", "short", "fast", "hurry"}
# A warm-up this long before a planned run counts as "before that run".
BEFORE_RUN = timedelta(hours=3)
STREAK_LOOKBACK = timedelta(days=400)


def parse_soreness(text: str) -> int | None:
    """Soreness on its 0-10 scale, typed ("7", "7/10") or from a ``sore.N`` button."""
    return read_number(text, 0, 10)


class Warmup(Flow):
    name = NAME
    commands = (CommandDef("warmup", personal=True), CommandDef("roll", personal=True))
    steps: ClassVar[Steps] = {
        "soreness": Asked,
        "sharp": Checked,
        "drill": Drilling,
        # After "That hurt" on a drill: which kind of hurt, then what to do about it.
        "hurt": Drilling,
        "hurt_offer": Drilling,
    }

    def __init__(
        self,
        book: DrillBook,
        routine: Routine,
        texts: WarmupTexts,
        *,
        emergency: EmergencyWords,
        prelude: WarmupPrelude | None = None,
        store: StoreFactory[WarmupStore] = WarmupRepository,
        demos: DrillDemos | None = None,
        counts: Counts | None = None,
        rolling: RollingRoutine | None = None,
        advice: AfterRunAdvice | None = None,
        runs: PlannedRuns | None = None,
    ) -> None:
        # The sharp-pain note names the emergency number where the runner is.
        self.emergency = emergency
        self.book = book
        self.routine = routine
        self.texts = texts
        # Recent tight-spot reports add rolling first and may call for gentler drills.
        self.prelude = prelude
        self.store = store
        # An animation of each drill, shown with it where the platform can.
        self.demos = demos
        # Paced counts ("Count me through"), for drills whose content declares one.
        self.counts = counts
        self.drills: list[Drill] = [book.by_id(drill_id) for drill_id in routine.drills]
        # The last after-run check-in's advice, and the planned runs for the week's note.
        self.advice = advice
        self.runs = runs
        self.rolling = rolling
        self.routines: dict[RoutineName, list[Drill]] = {
            "standard": self.drills,
            "quick": [book.by_id(drill_id) for drill_id in routine.quick_drills],
            "roll": list(rolling.as_drills()) if rolling else [],
        }

    def _drills(self, routine: RoutineName) -> list[Drill]:
        return self.routines[routine] or self.drills

    async def command(self, turn: Turn, name: str, args: str) -> None:
        if turn.state.flow == NAME:
            turn.say(self.texts.already_running)
            await self.reprompt(turn)
            return
        if name == "roll" and self.rolling is not None:
            await self._start_rolling(turn)
            return
        words = set(args.lower().split())
        quick = bool(words & _QUICK_WORDS)
        if words and not quick:
            turn.say(self.texts.unknown_routine)
        await self._begin(turn, "quick" if quick else "standard")

    async def _begin(self, turn: Turn, routine: RoutineName) -> None:
        advice = await self._advice(turn)
        if advice is not None and advice.triage:
            # Pain after the last run: say so before anything else is asked.
            turn.say(advice.reason, private=True)
        turn.goto(NAME, "soreness", Asked(routine=routine))
        self._ask_soreness(turn)

    async def _start_rolling(self, turn: Turn) -> None:
        repo = turn.store(self.store)
        session_id = await repo.start_session(turn.user.id, "roll", None, turn.now)
        assert self.rolling is not None
        turn.say(self.rolling.intro + "\n\n" + self.texts.roll_intro_note)
        turn.goto(
            NAME,
            "drill",
            Drilling(
                session=session_id, index=0, gentle=False, soreness=0, done=(), routine="roll"
            ),
        )
        self._show_drill(turn)

    async def _advice(self, turn: Turn) -> RunAdvice | None:
        if self.advice is None:
            return None
        history = turn.store(self.store)
        done = await history.completed_warmups(turn.user.id, turn.now - timedelta(days=14))
        return await self.advice(turn, done[-1] if done else None)

    # --- prompts ---
    def _ask_soreness(self, turn: Turn) -> None:
        choices = [
            turn.choice(option.label, f"sore.{option.value}")
            for option in self.routine.soreness_choices
        ]
        if turn.data(Asked).routine == "standard":
            choices.append(turn.choice(self.texts.quick_button, "quick"))
        turn.say(self.texts.soreness_question, choices=choices, private=True, asks_number=True)

    def _ask_sharp(self, turn: Turn) -> None:
        texts = self.texts
        turn.say(
            texts.sharp_question,
            choices=[
                turn.choice(texts.sharp_yes, "sharp.yes"),
                turn.choice(texts.sharp_no, "sharp.no"),
            ],
            private=True,
        )

    def _show_drill(self, turn: Turn) -> None:
        texts = self.texts
        drills = self.drills
        drilling = turn.data(Drilling)
        drills = self._drills(drilling.routine)
        index = drilling.index
        drill = drills[index]
        variant = drill.variant(drilling.gentle, quick=drilling.routine == "quick")
        header = texts.roll_header if drilling.routine == "roll" else texts.drill_header
        lines = [
            header.format(number=index + 1, total=len(drills), name=drill.name),
            variant.summary,
        ]
        lines += [
            texts.step_line.format(number=n, text=step.text, cue=step.cue)
            for n, step in enumerate(variant.steps, start=1)
        ]
        demo = (
            self.demos(drill.id, "gentle" if drilling.gentle else "standard")
            if self.demos and drilling.routine != "roll"
            else None
        )
        if demo is not None:
            # Under the animation: the drill and its first step; the other steps follow.
            demo = replace(demo, caption="\n".join(lines[:3]))
        choices = self._drill_choices(turn)
        if variant.count is not None and self.counts is not None:
            choices.append(turn.choice(texts.count_me, "wu.count"))
        turn.say(
            "\n".join(lines),
            image=demo,
            bold=(lines[0],),  # "Drill 1 of 3: Bouncing lunges"
            choices=choices,
        )

    def _drill_choices(self, turn: Turn) -> list[Choice]:
        texts = self.texts
        return [
            turn.choice(texts.done, "wu.done", Tone.GO),
            turn.choice(texts.skip, "wu.skip"),
            turn.choice(texts.stop, "wu.stop", Tone.STOP),
            turn.choice(texts.hurt, "wu.hurt"),
        ]

    async def _count_through(self, turn: Turn) -> None:
        """One message, edited beat by beat; at the end it carries the drill's buttons."""
        drilling = turn.data(Drilling)
        drill = self.drills[drilling.index]
        paced = drill.variant(drilling.gentle).count
        if paced is None or self.counts is None:
            self._show_drill(turn)
            return
        texts = self.texts
        beats, ends_after = drill_beats(texts, drill.name, paced)
        done = Reply(
            texts.count_done.format(name=drill.name), choices=tuple(self._drill_choices(turn))
        )
        controls = (turn.choice(texts.count_stop, "wu.count.stop", Tone.STOP),)
        count = await self.counts.begin(turn, PacedCount(tuple(beats), ends_after, done, controls))
        turn.say(beats[0].text, choices=controls, count=count)

    async def _stop_count(self, turn: Turn) -> None:
        """Stop pressed while counting: the count ends, and this is the one last word."""
        if self.counts is not None:
            await self.counts.end(turn)
        turn.say(self.texts.count_stopped, choices=self._drill_choices(turn))

    def _ask_hurt(self, turn: Turn) -> None:
        texts = self.texts
        turn.goto(NAME, "hurt", turn.data(Drilling))
        turn.say(
            texts.hurt_question,
            choices=[
                turn.choice(texts.hurt_sharp, "hurt.sharp"),
                turn.choice(texts.hurt_uncomfortable, "hurt.meh"),
            ],
        )

    def _offer_gentle(self, turn: Turn) -> None:
        texts = self.texts
        turn.goto(NAME, "hurt_offer", turn.data(Drilling))
        turn.say(
            texts.hurt_offer,
            choices=[
                turn.choice(texts.gentle_version, "hurt.gentle"),
                turn.choice(texts.skip, "wu.skip"),
            ],
        )

    async def _hurt_sharp(self, turn: Turn) -> None:
        """Sharp pain on a drill is typed-pain advice: stop the warm-up, say why privately."""
        drilling = turn.data(Drilling)
        done = await self._done_so_far(turn, drilling)
        await self._close(turn, drilling.session, done, "stopped")
        words = self.emergency(turn)
        turn.say(turn.safety.sharp_pain.text.format_map(words), private=True)

    async def reprompt(self, turn: Turn) -> None:
        step = turn.state.step
        if step == "soreness":
            self._ask_soreness(turn)
        elif step == "sharp":
            self._ask_sharp(turn)
        elif step == "hurt":
            self._ask_hurt(turn)
        elif step == "hurt_offer":
            self._offer_gentle(turn)
        else:
            self._show_drill(turn)

    # --- answers ---
    async def choice(self, turn: Turn, action: str) -> None:
        step = turn.state.step
        if step == "soreness" and action == "quick":
            turn.goto(NAME, "soreness", Asked(routine="quick"))
            self._ask_soreness(turn)
            return
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
        elif step == "drill" and action == "wu.hurt":
            self._ask_hurt(turn)
            return
        elif step == "drill" and action == "wu.count":
            await self._count_through(turn)
            return
        elif step == "drill" and action == "wu.count.stop":
            await self._stop_count(turn)
            return
        elif step == "hurt" and action == "hurt.sharp":
            await self._hurt_sharp(turn)
            return
        elif step == "hurt" and action == "hurt.meh":
            self._offer_gentle(turn)
            return
        elif step == "hurt_offer" and action == "hurt.gentle":
            turn.goto(NAME, "drill", replace(turn.data(Drilling), gentle=True))
            self._show_drill(turn)
            return
        elif step == "hurt_offer" and action == "wu.skip":
            turn.goto(NAME, "drill", turn.data(Drilling))
            await self._drill_answer(turn, "skip")
            return
        await super().choice(turn, action)

    async def text(self, turn: Turn, text: str) -> bool:
        step = turn.state.step
        texts = self.texts
        words = texts.words
        heard = turn.texts.understanding
        if step in ("soreness", "sharp") and typed_phrase(text, [words.stop]) is not None:
            await turn.leave("cancelled")  # "stop" before the drills: nothing to sum up
            turn.say(turn.texts.common.cancelled)
            return True
        if step == "soreness":
            return await self._soreness_text(turn, text)
        if step == "sharp":
            picked = typed_label(text, [texts.sharp_yes, texts.sharp_no])
            if picked is None:
                picked = typed_phrase(text, [words.sharp_yes, words.sharp_no])
            if picked is None and typed_no(text, heard):
                picked = 1  # "nope, all good"
            if picked is None and typed_yes(text, heard):
                picked = 0  # "yes", "yep sure": heard as sharp, to be safe
            if picked is None:
                return False
            await self._got_sharp(turn, picked == 0)
            return True
        if step == "drill":
            return await self._drill_text(turn, text)
        if step == "hurt":
            picked = typed_label(text, [texts.hurt_sharp, texts.hurt_uncomfortable])
            if picked is None:
                picked = typed_phrase(text, [words.hurt_sharp, words.hurt_meh])
            if picked is None and typed_no(text, heard):
                picked = 1  # "nah it's fine"
            if picked is None and typed_yes(text, heard):
                picked = 0  # "yes" to "was it sharp?"
            if picked is None:
                return await self._moved_on(turn, text)
            await self.choice(turn, ("hurt.sharp", "hurt.meh")[picked])
            return True
        if step == "hurt_offer":
            picked = typed_label(text, [texts.gentle_version, texts.skip])
            if picked is None:
                picked = typed_phrase(text, [words.gentle, words.skip])
            if picked is None and typed_yes(text, heard):
                picked = 0  # "yes" to "try the gentle version?"
            if picked is None and typed_no(text, heard):
                picked = 1
            if picked is None:
                return await self._moved_on(turn, text)
            await self.choice(turn, ("hurt.gentle", "wu.skip")[picked])
            return True
        return False

    async def _moved_on(self, turn: Turn, text: str) -> bool:
        """After "That hurt": skipping the drill or stopping the warm-up typed instead of
        an answer ("skip this one", "stop")."""
        words = self.texts.words
        picked = typed_phrase(text, [words.skip, words.stop])
        if picked is None:
            return False
        turn.goto(NAME, "drill", turn.data(Drilling))
        await self._drill_answer(turn, ("skip", "stop")[picked])
        return True

    async def _soreness_text(self, turn: Turn, text: str) -> bool:
        words = self.texts.words
        value = read_amount(text, 0, 10, turn.texts.understanding)
        options = self.routine.soreness_choices
        picked = typed_label(text, [option.label for option in options])
        if value is None and picked is not None:
            value = options[picked].value  # a button's label typed: "a bit stiff"
        if value is None:
            scores = list(words.soreness)
            said = typed_phrase(text, [words.soreness[score] for score in scores])
            value = scores[said] if said is not None else None
        if value is None and typed_phrase(text, [words.quick]) is not None:
            if turn.data(Asked).routine == "standard":
                turn.goto(NAME, "soreness", Asked(routine="quick"))
            self._ask_soreness(turn)
            return True
        if value is None:
            return False  # "hi", a question: for the passes after the step
        await self._got_soreness(turn, value)
        return True

    async def _drill_text(self, turn: Turn, text: str) -> bool:
        texts = self.texts
        words = texts.words
        picked = typed_label(text, [texts.done, texts.skip, texts.stop, texts.hurt])
        if picked is None:
            groups = [words.done, words.skip, words.stop, words.hurt, words.count, words.gentle]
            picked = typed_phrase(text, groups)
        if picked is None:
            return False
        drilling = turn.data(Drilling)
        if picked in (4, 5) and not self._has_versions(drilling):
            return False  # the rolling areas have no count and no gentle version
        if picked == 3:
            self._ask_hurt(turn)
        elif picked == 4:
            await self._count_through(turn)
        elif picked == 5:
            drilling = turn.data(Drilling)
            turn.goto(NAME, "drill", replace(drilling, gentle=True))
            self._show_drill(turn)
        else:
            await self._drill_answer(turn, ("done", "skip", "stop")[picked])
        return True

    async def not_understood(self, turn: Turn, text: str) -> None:
        if turn.state.step == "soreness":
            turn.say(self.texts.soreness_invalid)  # "0 to 10, or a button"
        else:
            await super().not_understood(turn, text)

    async def _got_soreness(self, turn: Turn, soreness: int) -> None:
        routine = turn.data(Asked).routine
        turn.goto(NAME, "sharp", Checked(soreness=soreness, routine=routine))
        self._ask_sharp(turn)

    async def _got_sharp(self, turn: Turn, sharp: bool) -> None:
        repo = turn.store(self.store)
        checked = turn.data(Checked)
        soreness = checked.soreness
        checkin_id = await repo.add_checkin(turn.user.id, soreness, sharp, turn.now)
        if sharp:
            words = self.emergency(turn)
            turn.say(turn.safety.sharp_pain.text.format_map(words), private=True)
            turn.finish()
            return
        gentle_from = self.routine.gentle_from_soreness
        gentle = soreness >= gentle_from
        prelude = await self.prelude(turn, soreness, gentle, gentle_from) if self.prelude else None
        gentle = prelude.gentle if prelude else gentle
        advice = await self._advice(turn)
        gentle = gentle or (advice is not None and advice.gentle)
        quick = checked.routine == "quick" and not gentle
        session_id = await repo.start_session(
            turn.user.id, "gentle" if gentle else checked.routine, checkin_id, turn.now
        )
        texts = self.texts
        reason = (texts.gentle_reason if gentle else texts.standard_reason).format(
            soreness=soreness
        )
        if prelude:
            reason = prelude.reason
        if advice is not None and not advice.triage:
            reason = advice.reason if not prelude else advice.reason + " " + prelude.reason
        if quick:
            reason += " " + texts.quick_reason
        if soreness >= 8:
            reason += " " + turn.safety.very_sore.text
        turn.say(reason + "\n\n" + self.book.placement.text)
        rolling = [
            part for part in (advice and advice.rolling, prelude and prelude.rolling) if part
        ]
        if rolling:
            turn.say("\n\n".join(rolling))
        turn.goto(
            NAME,
            "drill",
            Drilling(
                session=session_id,
                index=0,
                gentle=gentle,
                soreness=soreness,
                done=(),
                routine="quick" if quick else "standard",
            ),
        )
        self._show_drill(turn)

    async def _drill_answer(self, turn: Turn, answer: str) -> None:
        drilling = turn.data(Drilling)
        drills = self._drills(drilling.routine)
        index = drilling.index
        done = await self._done_so_far(turn, drilling)
        if answer == "stop":
            await self._close(turn, drilling.session, done, "stopped")
            return
        done = (*done, DrillAnswer(drill=drills[index].id, outcome=_OUTCOMES[answer]))
        if index + 1 < len(drills):
            await turn.store(self.store).record_drills(
                turn.user.id, drilling.session, as_rows(done)
            )
            turn.goto(NAME, "drill", replace(drilling, index=index + 1, done=done))
            self._show_drill(turn)
        else:
            await self._close(turn, drilling.session, done, "completed")

    async def _close(
        self, turn: Turn, session_id: int, done: tuple[DrillAnswer, ...], status: str
    ) -> None:
        texts = self.texts
        routine: RoutineName = "standard"
        if turn.state.step in ("drill", "hurt", "hurt_offer"):
            routine = turn.data(Drilling).routine
        total = len(self._drills(routine))
        outcomes = [d.outcome for d in done]
        completed, skipped = outcomes.count("done"), outcomes.count("skipped")
        await turn.store(self.store).finish_session(
            turn.user.id, session_id, status, turn.now, drills=as_rows(done)
        )
        if status == "completed":
            note = texts.skipped_note.format(skipped=skipped) if skipped else ""
            template = texts.roll_complete if routine == "roll" else texts.summary_complete
            lines = [template.format(done=completed, total=total, skipped_note=note)]
            if routine != "roll":
                lines += await self._habit_lines(turn)
            turn.say("\n".join(lines))
            turn.offer(WARMUP_DONE_OFFER)
        else:
            turn.say(texts.summary_stopped.format(done=completed, total=total))
        turn.finish()

    async def _habit_lines(self, turn: Turn) -> list[str]:
        """The streak, and a note when every run this week had its warm-up before it."""
        texts = self.texts
        tz = zone_or_utc(turn.user.time_zone)
        history = turn.store(self.store)
        warmups = await history.completed_warmups(turn.user.id, turn.now - STREAK_LOOKBACK)
        when = periods(turn.now, tz)
        lines = []
        days = streak({local_day(at, tz) for at in warmups}, when.today)
        if days >= 2:
            lines.append(texts.streak.format(days=days))
        if self.runs is not None:
            runs = await self.runs.between(turn, when.week_start, turn.now + BEFORE_RUN)
            if runs and all(_warmed_up_before(run, warmups) for run in runs):
                lines.append(texts.every_run_this_week.format(runs=len(runs)))
        return lines

    async def leave(self, turn: Turn, reason: str) -> None:
        if turn.state.step == "sharp" and reason == "red_flag":
            # A red flag typed at the sharp-pain question answers it: yes, sharp.
            soreness = turn.data(Checked).soreness
            await turn.store(self.store).add_checkin(turn.user.id, soreness, True, turn.now)
        elif turn.state.step in ("drill", "hurt", "hurt_offer"):
            status = "expired" if reason == "expired" else "stopped"
            session_id = turn.data(Drilling).session
            await turn.store(self.store).finish_session(turn.user.id, session_id, status, turn.now)

    def _has_versions(self, drilling: Drilling) -> bool:
        """A warm-up drill (not a rolling area): it has a gentle version and a count."""
        return drilling.routine != "roll"

    def in_warmup(self, turn: Turn) -> bool:
        """The runner is in a pre-run warm-up (its questions or drills), not the rolling
        routine: a red flag there stops drills, and is worded so."""
        step = turn.state.step
        if turn.state.flow != NAME or step is None or step not in self.steps:
            return False
        data = turn.state.read(self.steps[step])
        routine = getattr(data, "routine", "standard") if data is not None else "standard"
        return bool(routine != "roll")

    # --- helpers ---
    async def _done_so_far(self, turn: Turn, drilling: Drilling) -> tuple[DrillAnswer, ...]:
        """The drills answered so far, kept in the conversation state; a conversation
        saved before the state kept them reads them from the session instead."""
        if drilling.done is not None:
            return drilling.done
        rows = await turn.store(self.store).drills_done(turn.user.id, drilling.session)
        return from_rows(rows)


def _warmed_up_before(run: datetime, warmups: list[datetime]) -> bool:
    return any(run - BEFORE_RUN <= started <= run for started in warmups)
