"""Content for tight spots: vocabulary, release (SMR) advice, red-flag triage and words.

Everything lives in ``content/tight/*.yaml`` and is validated once at start; a problem is
reported as a ``ContentError`` naming the file, the field and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from bot.core.content import (
    ButtonLabel,
    ContentError,
    Frozen,
    Identifier,
    NonEmpty,
    Source,
    Template,
    load_file,
)
from bot.features.tight.text import normalise

Level = Literal["urgent", "see_clinician"]
Kind = Literal["tightness", "pain"]
Side = Literal["left", "right", "both"]
SIDES: tuple[Side, ...] = ("left", "right", "both")
Score = Annotated[int, Field(ge=0, le=10)]


def _valid_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


Pattern = Annotated[str, AfterValidator(_valid_pattern)]
Words = tuple[NonEmpty, ...]


# --- vocabulary.yaml -------------------------------------------------------------------


class AreaTerms(Frozen):
    id: Identifier
    label: ButtonLabel
    short: NonEmpty
    # "both calves"; ``short`` with an "s" when not given.
    plural: NonEmpty | None = None
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
    # A fresh pull or strain: read as pain, and not rolled for the first couple of days.
    strain: Words = ()


class EffortWords(Frozen):
    """A hard effort named in a report ("after the marathon", "since Sunday's half")."""

    words: Words = Field(min_length=1)
    # How many days before the report the effort was, by the words that say so; an
    # effort with no such words was today.
    days_ago: dict[NonEmpty, Annotated[int, Field(ge=0, le=14)]]
    # Weekday names, Monday first: "Sunday's half" was the last Sunday.
    weekdays: tuple[NonEmpty, NonEmpty, NonEmpty, NonEmpty, NonEmpty, NonEmpty, NonEmpty]


class NegationWords(Frozen):
    before: Words
    after_fine: Words
    after_not: Words
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
    position_words: Words = ()
    max_areas: int = Field(ge=1, le=9)
    sides: SideWords
    side_filler: Words
    intensity: IntensityWords
    kinds: KindWords
    negation: NegationWords
    corrections: CorrectionWords
    efforts: EffortWords
    # "when I lift my knee": a place named after these, once a spot was named, is only
    # what the runner was doing, not another spot.
    context_cues: Words = ()
    never_correct: Words = ()

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        ids = [area.id for area in self.areas]
        if len(set(ids)) != len(ids):
            raise ValueError("area ids must be unique")
        for group in self.ambiguous:
            for candidate in group.candidates:
                if candidate not in ids:
                    raise ValueError(
                        f"ambiguous term {group.terms[0]!r}: unknown area {candidate!r}"
                    )
        return self

    def area(self, area_id: str) -> AreaTerms:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)


# --- smr.yaml --------------------------------------------------------------------------


class RollCount(Frozen):
    """How the coach paces the rolling of an area (see content/tight/smr.yaml)."""

    seconds: int = Field(ge=30, le=90)
    light_seconds: int = Field(ge=15, le=60)
    every: float = Field(default=5, ge=1.5, le=15)


class RollPlan(Frozen):
    roll: Literal[True] = True
    tool: NonEmpty
    time: NonEmpty
    how: Words = Field(min_length=1)
    avoid: Words = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)
    # The one-screen plan: the tool in a word or two, the time, and the technique in one
    # sentence (the full ``how`` and ``avoid`` are one tap away).
    short_tool: NonEmpty
    brief: NonEmpty
    # The time on a lighter day (painful, strong, just after a race, or during DOMS).
    light_time: NonEmpty
    count: RollCount | None = None


class NoRollPlan(Frozen):
    """An area not to roll directly (a joint, the lower spine): neighbours instead."""

    roll: Literal[False]
    why_not: NonEmpty
    instead: tuple[Identifier, ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)
    # ``why_not`` in a few words, for the one-screen plan.
    brief: NonEmpty


def _plan_kind(value: object) -> str:
    if isinstance(value, dict):
        return "no_roll" if value.get("roll") is False else "roll"
    return "no_roll" if isinstance(value, NoRollPlan) else "roll"


AreaPlan = Annotated[
    Annotated[RollPlan, Tag("roll")] | Annotated[NoRollPlan, Tag("no_roll")],
    Discriminator(_plan_kind),
]


Adjustment = Literal["wait", "care", "fresh", "doms", "strong"]
ADJUSTMENTS: tuple[Adjustment, ...] = ("wait", "care", "fresh", "doms", "strong")
"""Why a plan goes lighter (or waits), most important first: a fresh strain; pain; a hard
effort today; DOMS, a day to three after one; strong tightness."""


def _one_line(value: str) -> str:
    if "\n" in value:
        raise ValueError("must be one line")
    return value


OneLine = Annotated[Template, AfterValidator(_one_line)]


class AdjustmentText(Frozen):
    # One line on the one-screen plan, with a short citation; ``{score}`` is the strength.
    line: OneLine
    # The longer word in "More detail".
    detail: NonEmpty
    sources: tuple[Identifier, ...] = Field(min_length=1)


class Lighter(Frozen):
    """When a plan goes lighter, and what it says about it."""

    # Tightness this strong (0-10) or more gets the lighter plan too.
    strong_from: Score
    # A hard effort this many hours ago or less is fresh; up to ``doms_until`` it is DOMS.
    fresh_until_hours: int = Field(ge=1, le=48)
    doms_until_hours: int = Field(ge=24, le=168)
    reasons: dict[Adjustment, AdjustmentText]

    @model_validator(mode="after")
    def _complete(self) -> Lighter:
        missing = set(ADJUSTMENTS) - set(self.reasons)
        if missing:
            raise ValueError(f"reasons: missing {sorted(missing)}")
        if self.doms_until_hours <= self.fresh_until_hours:
            raise ValueError("doms_until_hours must come after fresh_until_hours")
        return self


class SmrContent(Frozen):
    sources: dict[Identifier, Source]
    seed_covers: tuple[Identifier, ...]
    # The general how-to, shown with the first plan of a runner's day.
    preamble: NonEmpty
    basics: NonEmpty
    heads_up: NonEmpty
    avoid_everywhere: NonEmpty
    when_pain: NonEmpty
    when_pain_short: NonEmpty
    lighter: Lighter
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
                            f"areas.{area_id}.instead: {neighbour!r} needs a roll plan of its own"
                        )
        for name, reason in self.lighter.reasons.items():
            for source in reason.sources:
                if source not in self.sources:
                    raise ValueError(f"lighter.reasons.{name}: unknown source {source!r}")
        return self


# --- triage.yaml -----------------------------------------------------------------------


class WordedLevel(Frozen):
    headline: NonEmpty
    # Placeholders from safety's emergency words: {emergency}, {urgent_line}, {department}.
    advice: Template


class LevelText(WordedLevel):
    # Said instead in a pre-run warm-up, which stops: drills, not rolling.
    in_warmup: WordedLevel | None = None

    def worded(self, *, in_warmup: bool) -> WordedLevel:
        return self.in_warmup if in_warmup and self.in_warmup is not None else self


class TriageSource(Source):
    """A source for triage advice; ``country`` marks a health service's own pages (the
    NHS), listed only to runners in that country."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


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
    sources: dict[Identifier, TriageSource]
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
    looks_right: ButtonLabel
    change: ButtonLabel
    left: ButtonLabel
    right: ButtonLabel
    both: ButtonLabel
    skip: ButtonLabel
    more_detail: ButtonLabel
    hurts_a_lot: ButtonLabel
    more: ButtonLabel
    tick: NonEmpty
    count: Template  # "Count me through: {area}"
    stop_count: ButtonLabel


class TightOptionWords(Frozen):
    """The descriptions of /tight's boxes (Discord allows 100 characters)."""

    area: Annotated[str, Field(min_length=1, max_length=100)]
    side: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=100)]


class TightWords(Frozen):
    ask_where: NonEmpty
    pick_unsure: NonEmpty
    pick_none_found: NonEmpty
    pick_elsewhere: NonEmpty
    too_many: Template
    pick_at_least_one: NonEmpty
    picked_too_many: Template
    # Before the plan, only what changes it: tight or painful, and how painful.
    ask_kind: NonEmpty
    ask_strength: NonEmpty
    confirm: Template
    # The one-screen plan.
    plan_head: Template
    plan_line: Template
    plan_line_short: Template
    plan_no_roll_line: Template
    plan_after_wait: NonEmpty
    # After the plan, for the log only.
    log_side: NonEmpty
    log_strength: NonEmpty
    saved: NonEmpty
    not_right: NonEmpty
    updated: Template
    correction_ask: NonEmpty
    # "More detail".
    plan_intro: NonEmpty
    plan_area: Template
    plan_no_roll: Template
    plan_outro: NonEmpty
    light_today: Template
    detail_sources: NonEmpty
    detail_gone: NonEmpty
    # Paced counts of a rolling area ("Count me through: quads").
    roll_ready: Template
    roll_beat: Template
    roll_switch: Template
    roll_done: Template
    count_stopped: NonEmpty
    nothing_counting: NonEmpty
    cancelled: NonEmpty
    type_or_tap: NonEmpty
    kind_labels: dict[Kind, NonEmpty]
    kind_buttons: dict[Kind, ButtonLabel]
    side_labels: dict[Side, NonEmpty]
    summary_area: Template
    summary_area_both: Template
    intensity_text: Template
    options: TightOptionWords
    buttons: TightButtons
    yes_words: Words
    no_words: Words
    unsure_words: Words
    # Typed just after a plan, as its "More detail" and "Count me through" buttons.
    detail_words: Words = ()
    count_words: Words = ()


class WarmupPreludeWords(Frozen):
    reason_areas: Template
    reason_gentle: Template
    reason_both: Template
    intro: NonEmpty
    roll_step: Template


class WordsContent(Frozen):
    tight: TightWords
    warmup_prelude: WarmupPreludeWords
    # A report this recent shapes the next warm-up.
    prelude_window_days: int = Field(ge=1, le=14)
    # Typed this soon after a plan, "no, both sides" corrects that report.
    correction_window_minutes: int = Field(ge=1, le=240)


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


def load_tight_content(content_dir: Path) -> TightContent:
    """Read and check ``content_dir/tight/*.yaml``.

    Raises ``ContentError`` naming the file, the field and the reason.
    """
    folder = content_dir / "tight"
    parts = {name: load_file(folder / f"{name}.yaml", model) for name, model in FILES.items()}
    vocabulary, smr = parts["vocabulary"], parts["smr"]
    assert isinstance(vocabulary, Vocabulary)
    assert isinstance(smr, SmrContent)
    problems = [
        *(f"{folder / 'smr.yaml'}: {p}" for p in _area_mismatches(vocabulary, smr)),
        *(f"{folder / 'vocabulary.yaml'}: {p}" for p in _shared_terms(vocabulary)),
    ]
    if problems:
        raise ContentError("\n".join(problems))
    return TightContent.model_validate(parts)


def _area_mismatches(vocabulary: Vocabulary, smr: SmrContent) -> list[str]:
    known = {area.id for area in vocabulary.areas}
    problems = [
        f"areas.{a}: missing: every area needs a plan" for a in sorted(known - set(smr.areas))
    ]
    problems += [
        f"areas.{a}: not an area in vocabulary.yaml" for a in sorted(set(smr.areas) - known)
    ]
    return problems


def _shared_terms(vocabulary: Vocabulary) -> list[str]:
    """A term naming two areas would make the reader pick one at random."""
    problems: list[str] = []
    owner: dict[str, str] = {}
    for index, area in enumerate(vocabulary.areas):
        for term in (*area.terms, *area.misspellings):
            key = normalise(term)
            if not key:
                problems.append(f"areas.{index}.terms: {term!r} has no words")
            elif owner.setdefault(key, area.id) != area.id:
                problems.append(f"areas.{index}.terms: {term!r} already belongs to {owner[key]!r}")
    return problems
