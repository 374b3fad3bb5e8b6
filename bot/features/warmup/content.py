"""The warm-up's content: drills (drills.yaml), the routine (routines.yaml) and its words
(the "warmup" section of content/texts/core.yaml)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from bot.core.content import ButtonLabel, Frozen, Identifier, NonEmpty, Template


class Step(Frozen):
    text: NonEmpty
    cue: NonEmpty


class PacedReps(Frozen):
    """How the coach counts a runner through a variant (see content/drills.yaml)."""

    reps: int = Field(ge=1, le=30)
    every: float = Field(ge=1.5, le=15)
    lead: float = Field(default=3, ge=1.5, le=10)
    word: NonEmpty
    sides: tuple[NonEmpty, ...] = Field(default=(), max_length=2)


class Variant(Frozen):
    summary: NonEmpty
    steps: tuple[Step, ...] = Field(min_length=1)
    count: PacedReps | None = None
    source: Identifier | None = None  # defaults to the drill's source
    seconds: int | None = Field(default=None, ge=5, le=600)  # about how long it takes


class Drill(Frozen):
    id: Identifier
    name: NonEmpty
    source: Identifier
    fixes: NonEmpty | None = None  # how this wording departs from its source, and why
    standard: Variant
    gentle: Variant
    quick: Variant | None = None  # a shorter version, for the quick warm-up

    def variant(self, gentle: bool, quick: bool = False) -> Variant:
        if gentle:
            return self.gentle
        return self.quick if quick and self.quick is not None else self.standard


class Placement(Frozen):
    text: NonEmpty
    source: Identifier


class DrillBook(Frozen):
    placement: Placement
    drills: tuple[Drill, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> DrillBook:
        ids = [drill.id for drill in self.drills]
        if len(ids) != len(set(ids)):
            raise ValueError(f"drill ids must be unique: {ids}")
        return self

    def by_id(self, drill_id: str) -> Drill:
        for drill in self.drills:
            if drill.id == drill_id:
                return drill
        raise KeyError(drill_id)


class SorenessChoice(Frozen):
    value: int = Field(ge=0, le=10)
    label: NonEmpty


QUICK_LIMIT_SECONDS = 180


class Routine(Frozen):
    gentle_from_soreness: int = Field(ge=1, le=10)
    drills: tuple[Identifier, ...] = Field(min_length=1)
    # The quick warm-up (/warmup quick): drills with a ``quick`` variant, under 3 minutes.
    quick_drills: tuple[Identifier, ...] = Field(min_length=1)
    soreness_choices: tuple[SorenessChoice, ...] = Field(min_length=2, max_length=8)


class RollArea(Frozen):
    id: Identifier
    name: NonEmpty
    summary: NonEmpty
    steps: tuple[Step, ...] = Field(min_length=1)


class RollingRoutine(Frozen):
    """The post-run rolling routine (content/rolling.yaml), shown step by step like drills."""

    source: Identifier
    intro: NonEmpty
    areas: tuple[RollArea, ...] = Field(min_length=1)

    def as_drills(self) -> tuple[Drill, ...]:
        """Each area as a drill, so it is paced with the same buttons."""
        drills = []
        for area in self.areas:
            variant = Variant(summary=area.summary, steps=area.steps)
            drills.append(
                Drill(
                    id=area.id,
                    name=area.name,
                    source=self.source,
                    standard=variant,
                    gentle=variant,
                )
            )
        return tuple(drills)


def quick_problems(book: DrillBook, routine: Routine) -> list[str]:
    """The quick warm-up's drills exist, have a quick version and fit in 3 minutes."""
    problems = []
    total = 0
    known = {drill.id: drill for drill in book.drills}
    for index, drill_id in enumerate(routine.quick_drills):
        drill = known.get(drill_id)
        if drill is None:
            problems.append(f"routines.yaml: quick_drills.{index}: unknown drill {drill_id!r}")
        elif drill.quick is None or drill.quick.seconds is None:
            problems.append(f"drills.yaml: {drill_id}: the quick warm-up needs quick.seconds")
        else:
            total += drill.quick.seconds
    if total >= QUICK_LIMIT_SECONDS:
        problems.append(f"drills.yaml: the quick warm-up takes {total} s, not under 3 minutes")
    return problems


class WarmupWords(Frozen):
    """What a runner may type at each warm-up question instead of pressing a button."""

    soreness: dict[Annotated[int, Field(ge=0, le=10)], tuple[NonEmpty, ...]]
    quick: tuple[NonEmpty, ...]
    sharp_yes: tuple[NonEmpty, ...]
    sharp_no: tuple[NonEmpty, ...]
    done: tuple[NonEmpty, ...]
    skip: tuple[NonEmpty, ...]
    stop: tuple[NonEmpty, ...]
    hurt: tuple[NonEmpty, ...]
    count: tuple[NonEmpty, ...]
    gentle: tuple[NonEmpty, ...]
    hurt_sharp: tuple[NonEmpty, ...]
    hurt_meh: tuple[NonEmpty, ...]


class WarmupTexts(Frozen):
    soreness_question: Template
    soreness_invalid: Template
    sharp_question: Template
    sharp_yes: ButtonLabel
    sharp_no: ButtonLabel
    gentle_reason: Template
    standard_reason: Template
    placement: Template
    drill_header: Template
    step_line: Template
    done: ButtonLabel
    skip: ButtonLabel
    stop: ButtonLabel
    hurt: ButtonLabel
    hurt_question: Template
    hurt_sharp: ButtonLabel
    hurt_uncomfortable: ButtonLabel
    hurt_offer: Template
    gentle_version: ButtonLabel
    summary_complete: Template
    skipped_note: Template
    summary_stopped: Template
    in_progress: Template
    already_running: Template
    # Paced counts ("Count me through").
    count_me: ButtonLabel
    count_stop: ButtonLabel
    count_ready: Template
    count_beat: Template
    count_switch: Template
    count_done: Template
    count_stopped: Template
    quick_button: ButtonLabel
    quick_reason: Template
    roll_intro_note: Template
    roll_header: Template  # {number} {total} {name}
    roll_complete: Template
    streak: Template  # {days}
    every_run_this_week: Template  # {runs}
    unknown_routine: Template
    words: WarmupWords
