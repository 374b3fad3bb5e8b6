"""The warm-up's content: drills (drills.yaml), the routine (routines.yaml) and its words
(the "warmup" section of content/texts/core.yaml)."""

from __future__ import annotations

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


class Drill(Frozen):
    id: Identifier
    name: NonEmpty
    source: Identifier
    fixes: NonEmpty | None = None  # how this wording departs from its source, and why
    standard: Variant
    gentle: Variant

    def variant(self, gentle: bool) -> Variant:
        return self.gentle if gentle else self.standard


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


class Routine(Frozen):
    gentle_from_soreness: int = Field(ge=1, le=10)
    drills: tuple[Identifier, ...] = Field(min_length=1)
    soreness_choices: tuple[SorenessChoice, ...] = Field(min_length=2, max_length=8)


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
