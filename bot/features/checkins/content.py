"""The check-in's content (content/checkins.yaml): its words, the feelings, the areas and
the vocabulary plain-words check-ins are read with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.core.content import ButtonLabel, Frozen, Identifier, NonEmpty, Template, Word

Feeling = Literal["fine", "tight", "sore", "pain"]
Side = Literal["left", "right", "both"]
FEELINGS: tuple[Feeling, ...] = ("fine", "tight", "sore", "pain")


class Area(Frozen):
    """Where the hips felt it; ``rolling`` is that area's release, from its source."""

    id: Identifier
    label: ButtonLabel
    name: NonEmpty  # in a sentence: "your glutes"
    # One side of it, in a sentence: "your {side} glute".
    one_side: Template | None = None
    words: tuple[Word, ...] = Field(min_length=1)
    rolling: Template
    source: Identifier


class CheckinWords(Frozen):
    question: Template
    question_planned: Template
    late: Template
    repeat: Template
    feelings: dict[Feeling, ButtonLabel]
    where: Template
    somewhere_else: ButtonLabel
    thanks_fine: Template
    thanks_tight: Template
    thanks_sore: Template
    thanks_pain: Template
    roll_button: ButtonLabel
    pain_advice: Template
    pain_sources: tuple[Identifier, ...] = Field(min_length=1)
    already: Template
    too_old: Template
    for_earlier_run: Template
    ask_feeling_typed: Template
    no_run_yet: Template
    advice_tight: Template
    advice_sore: Template
    advice_pain: Template
    advice_praise: Template
    progress_line: Template
    in_group: Template
    somewhere: NonEmpty
    # In a sentence: "left", "right".
    side_names: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    # Typed at "where?" but none of the areas.
    where_typed: Template
    run_when: Template  # "{weekday} {time}"
    weekdays: tuple[NonEmpty, ...] = Field(min_length=7, max_length=7)  # Monday first

    @model_validator(mode="after")
    def _every_feeling(self) -> CheckinWords:
        missing = [f for f in FEELINGS if f not in self.feelings]
        if missing:
            raise ValueError(f"feelings: no label for {missing}")
        return self


class CheckinVocabulary(Frozen):
    """Plain words: a run is mentioned, and how it felt ("just back from my run, tight")."""

    run: tuple[Word, ...] = Field(min_length=1)
    feelings: dict[Feeling, tuple[Word, ...]]
    hips: tuple[Word, ...] = ()
    # Which side: "left glute" is the left one.
    sides: dict[Side, tuple[Word, ...]] = Field(default_factory=dict)


class CheckinContent(Frozen):
    words: CheckinWords
    areas: tuple[Area, ...] = Field(min_length=1)
    vocabulary: CheckinVocabulary
    # Fine after this many runs in a row earns the standard routine and a word of praise.
    praise_after: int = Field(ge=2, le=10)
    # A check-in this old no longer shapes a warm-up.
    advice_days: int = Field(ge=1, le=14)

    @model_validator(mode="after")
    def _unique_areas(self) -> CheckinContent:
        ids = [area.id for area in self.areas]
        if len(ids) != len(set(ids)):
            raise ValueError(f"area ids must be unique: {ids}")
        return self

    def area(self, area_id: str | None) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def named(self, area_id: str | None, side: str | None) -> str:
        """Where, in a sentence: "your left glute", "your glutes", "your hips"."""
        area = self.area(area_id)
        if area is None:
            return self.words.somewhere
        if side in ("left", "right") and area.one_side is not None:
            return area.one_side.format(side=self.words.side_names.get(side, side))
        return area.name
