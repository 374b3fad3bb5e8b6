"""Content for tight spots: vocabulary, release (SMR) advice, red-flag triage and words.

Everything lives in ``content/tight/*.yaml`` and is validated once at start; a problem is
reported as :class:`TightContentError` naming the file, the field and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import AfterValidator, Field, ValidationError, model_validator

from bot.content.base import ButtonLabel, Frozen, Identifier, NonEmpty, Source, Template

Level = Literal["urgent", "see_clinician"]
Kind = Literal["tightness", "pain"]
Side = Literal["left", "right", "both"]
Score = Annotated[int, Field(ge=0, le=10)]


def _valid_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


Pattern = Annotated[str, AfterValidator(_valid_pattern)]
Words = tuple[NonEmpty, ...]


class TightContentError(Exception):
    """A tight-spot content file is missing or wrong; names file, field and reason."""

    def __init__(self, file: str, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")
        self.file = file
        self.field = field
        self.reason = reason


# --- vocabulary.yaml -------------------------------------------------------------------


class AreaTerms(Frozen):
    id: Identifier
    label: ButtonLabel
    short: NonEmpty
    # Lower back and the like have no left or right worth asking about.
    sided: bool = True
    terms: Words = Field(min_length=1)
    misspellings: Words = ()


class AmbiguousTerms(Frozen):
    terms: Words = Field(min_length=1)
    candidates: tuple[Identifier, ...] = Field(min_length=1)


class SideWords(Frozen):
    left: Words
    right: Words
    both: Words


class IntensityWords(Frozen):
    words: dict[NonEmpty, Score]
    number_words: dict[NonEmpty, Score]
    levels: dict[Literal["mild", "moderate", "strong"], Score]


class KindWords(Frozen):
    tightness: Words
    pain: Words


class NegationWords(Frozen):
    before: Words
    after: Words
    filler: Words
    window: int = Field(ge=1, le=8)


class CorrectionWords(Frozen):
    cues: Words
    after_no: Words
    additive: Words


class Vocabulary(Frozen):
    areas: tuple[AreaTerms, ...] = Field(min_length=1)
    ambiguous: tuple[AmbiguousTerms, ...] = ()
    everything: Words = ()
    elsewhere: Words = ()
    sides: SideWords
    side_filler: Words
    intensity: IntensityWords
    kinds: KindWords
    negation: NegationWords
    corrections: CorrectionWords
    never_correct: Words = ()

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        ids = [area.id for area in self.areas]
        if len(set(ids)) != len(ids):
            raise ValueError("area ids must be unique")
        for group in self.ambiguous:
            for candidate in group.candidates:
                if candidate not in ids:
                    raise ValueError(f"ambiguous term {group.terms[0]!r}: unknown area {candidate!r}")
        return self

    def area(self, area_id: str) -> AreaTerms:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)


# --- smr.yaml --------------------------------------------------------------------------


class RollPlan(Frozen):
    roll: Literal[True] = True
    tool: NonEmpty
    time: NonEmpty
    how: Words = Field(min_length=1)
    avoid: Words = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)


class NoRollPlan(Frozen):
    """An area not to roll directly (a joint, the lower spine): neighbours instead."""

    roll: Literal[False]
    why_not: NonEmpty
    instead: tuple[Identifier, ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)


AreaPlan = Annotated[RollPlan | NoRollPlan, Field(discriminator="roll")]


class SmrContent(Frozen):
    sources: dict[Identifier, Source]
    seed_covers: tuple[Identifier, ...]
    basics: NonEmpty
    heads_up: NonEmpty
    avoid_everywhere: NonEmpty
    when_pain: NonEmpty
    areas: dict[Identifier, AreaPlan]

    @model_validator(mode="after")
    def _cited(self) -> SmrContent:
        if "seed" not in self.sources:
            raise ValueError("sources must include 'seed', the project's source article")
        for area_id, plan in self.areas.items():
            for source in plan.sources:
                if source not in self.sources:
                    raise ValueError(f"areas.{area_id}: unknown source {source!r}")
            public = [s for s in plan.sources if s != "seed"]
            if area_id not in self.seed_covers and not public:
                raise ValueError(
                    f"areas.{area_id}: the seed article does not cover this area; "
                    "cite a public source (title and url)"
                )
            for source in public:
                if not self.sources[source].url:
                    raise ValueError(f"sources.{source}: a public source needs a url")
            if isinstance(plan, NoRollPlan):
                for neighbour in plan.instead:
                    target = self.areas.get(neighbour)
                    if not isinstance(target, RollPlan):
                        raise ValueError(
                            f"areas.{area_id}.instead: {neighbour!r} must be an area with a roll plan"
                        )
        return self


# --- triage.yaml -----------------------------------------------------------------------


class LevelText(Frozen):
    headline: NonEmpty
    advice: NonEmpty


class TriageRule(Frozen):
    id: Identifier
    level: Level
    reason: NonEmpty
    all_of: tuple[tuple[Pattern, ...], ...] = Field(min_length=1)
    none_of: tuple[Pattern, ...] = ()
    negatable: bool = True
    sources: tuple[Identifier, ...] = Field(min_length=1)


class SeverePain(Frozen):
    threshold: Score
    level: Level
    reason: NonEmpty
    sources: tuple[Identifier, ...] = Field(min_length=1)


class TriageContent(Frozen):
    sources: dict[Identifier, Source]
    levels: dict[Level, LevelText]
    reasons_intro: Template
    sources_intro: NonEmpty
    negation_cues: Words
    negation_exceptions: Words = ()
    severe_pain: SeverePain
    rules: tuple[TriageRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> TriageContent:
        missing = {"urgent", "see_clinician"} - set(self.levels)
        if missing:
            raise ValueError(f"levels: missing {sorted(missing)}")
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        for rule in self.rules:
            for source in rule.sources:
                if source not in self.sources or not self.sources[source].url:
                    raise ValueError(f"rules.{rule.id}: source {source!r} is unknown or has no url")
        for source in self.severe_pain.sources:
            if source not in self.sources:
                raise ValueError(f"severe_pain: unknown source {source!r}")
        return self

    def rule(self, rule_id: str) -> TriageRule | SeverePain:
        if rule_id == "severe_pain":
            return self.severe_pain
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# --- words.yaml ------------------------------------------------------------------------


class TightButtons(Frozen):
    done: ButtonLabel
    cancel: ButtonLabel
    yes: ButtonLabel
    change: ButtonLabel
    left: ButtonLabel
    right: ButtonLabel
    both: ButtonLabel
    unsure_side: ButtonLabel
    mild: ButtonLabel
    moderate: ButtonLabel
    strong: ButtonLabel
    tick: NonEmpty


class TightWords(Frozen):
    ask_where: NonEmpty
    pick_unsure: NonEmpty
    pick_none_found: NonEmpty
    pick_elsewhere: NonEmpty
    too_many: Template
    pick_at_least_one: NonEmpty
    picked_too_many: Template
    ask_side: Template
    ask_intensity: Template
    ask_kind: NonEmpty
    confirm: Template
    saved: NonEmpty
    cancelled: NonEmpty
    stale: NonEmpty
    type_or_tap: NonEmpty
    plan_intro: NonEmpty
    plan_area: Template
    plan_no_roll: Template
    plan_outro: NonEmpty
    kind_labels: dict[Kind, NonEmpty]
    kind_buttons: dict[Kind, ButtonLabel]
    side_labels: dict[Side, NonEmpty]
    summary_area: Template
    summary_detail: Template
    intensity_text: Template
    buttons: TightButtons


class ProgressWords(Frozen):
    title: NonEmpty
    warmups: Template
    streak: Template
    no_streak: NonEmpty
    soreness: Template
    no_soreness: NonEmpty
    areas: Template
    no_areas: NonEmpty
    area_count: Template
    look_at_it: Template
    nothing_yet: NonEmpty


class WarmupPreludeWords(Frozen):
    reason_areas: Template
    reason_sore: Template
    reason_both: Template
    roll_step: Template


class WordsContent(Frozen):
    tight: TightWords
    progress: ProgressWords
    warmup_prelude: WarmupPreludeWords
    # How many areas one report may hold before the coach asks for the main ones.
    max_areas: int = Field(ge=1, le=9)
    # The same area on this many days in the window brings "have it looked at".
    repeat_days: int = Field(ge=2, le=14)
    repeat_window_days: int = Field(ge=3, le=60)
    # A report this recent shapes the next warm-up.
    prelude_window_days: int = Field(ge=1, le=14)
    # Check-in soreness at or above this picks gentler variants.
    sore_day_threshold: Score


_T = TypeVar("_T", bound=Frozen)


# --- the whole -------------------------------------------------------------------------


class TightContent(Frozen):
    vocabulary: Vocabulary
    smr: SmrContent
    triage: TriageContent
    words: WordsContent

    def area_ids(self) -> tuple[str, ...]:
        return tuple(area.id for area in self.vocabulary.areas)


FILES: Mapping[str, type[Frozen]] = {
    "vocabulary": Vocabulary,
    "smr": SmrContent,
    "triage": TriageContent,
    "words": WordsContent,
}


def _read(path: Path, label: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TightContentError(label, "(file)", f"cannot read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TightContentError(label, "(file)", f"not valid YAML: {exc}") from None


def _validated(model: type[_T], data: object, label: str) -> _T:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "(top level)"
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise TightContentError(label, field, reason) from None


def load_tight_content(content_dir: Path) -> TightContent:
    """Read and check ``content_dir/tight/*.yaml``; raises :class:`TightContentError`."""
    parts: dict[str, Frozen] = {}
    for name, model in FILES.items():
        label = f"tight/{name}.yaml"
        parts[name] = _validated(model, _read(content_dir / "tight" / f"{name}.yaml", label), label)
    vocabulary = parts["vocabulary"]
    smr = parts["smr"]
    assert isinstance(vocabulary, Vocabulary) and isinstance(smr, SmrContent)
    _check_areas_match(vocabulary, smr)
    _check_terms_unique(vocabulary)
    return TightContent.model_validate(parts)


def _check_areas_match(vocabulary: Vocabulary, smr: SmrContent) -> None:
    known = {area.id for area in vocabulary.areas}
    for area_id in known - set(smr.areas):
        raise TightContentError("tight/smr.yaml", f"areas.{area_id}", "missing: every area needs a plan")
    for area_id in set(smr.areas) - known:
        raise TightContentError("tight/smr.yaml", f"areas.{area_id}", "not an area in vocabulary.yaml")


def _check_terms_unique(vocabulary: Vocabulary) -> None:
    # Imported here: the normaliser lives with the parser, which imports this module.
    from bot.core.tight.text import normalise

    owner: dict[str, str] = {}
    for index, area in enumerate(vocabulary.areas):
        for term in (*area.terms, *area.misspellings):
            key = normalise(term)
            if not key:
                raise TightContentError(
                    "tight/vocabulary.yaml", f"areas.{index}.terms", f"{term!r} has no words"
                )
            if owner.setdefault(key, area.id) != area.id:
                raise TightContentError(
                    "tight/vocabulary.yaml",
                    f"areas.{index}.terms",
                    f"{term!r} already belongs to {owner[key]!r}",
                )
