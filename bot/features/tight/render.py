"""The words for tight spots: release plans, triage messages and report summaries.

Pure functions from content and a reading to text; every word comes from content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.content import Source
from bot.core.wording import join_words
from bot.features.tight.content import Kind, NoRollPlan, RollPlan, TightContent
from bot.features.tight.reading import AreaReading, Triage

MAX_SOURCES = 3


def area_name(content: TightContent, area: AreaReading | str) -> str:
    """ "left glute", "lower back": short and lower-case, for sentences."""
    reading = AreaReading(area) if isinstance(area, str) else area
    short = content.vocabulary.area(reading.area).short
    if reading.side is None:
        return short
    words = content.words.tight
    if reading.side == "both":
        return words.summary_area_both.format(area=short)
    return words.summary_area.format(side=words.side_labels[reading.side], area=short)


def area_names(content: TightContent, areas: Sequence[AreaReading | str]) -> str:
    return join_words([area_name(content, area) for area in areas])


def _title(content: TightContent, area: AreaReading) -> str:
    label = content.vocabulary.area(area.area).label
    if area.side is None:
        return label
    return f"{label}, {content.words.tight.side_labels[area.side]}"


def summary(
    content: TightContent,
    areas: Sequence[AreaReading],
    kind: Kind | None,
    intensity: int | None,
) -> str:
    """ "left glute and left outer thigh (tight, 5/10)" for the confirmation question."""
    words = content.words.tight
    text = area_names(content, areas)
    details = []
    if kind is not None:
        details.append(words.kind_labels[kind])
    if intensity is not None:
        details.append(words.intensity_text.format(score=intensity))
    if details:
        text += f" ({', '.join(details)})"
    return text


def plan_areas(content: TightContent, areas: Sequence[AreaReading]) -> list[AreaReading]:
    """The areas to roll: each reported one, with neighbours standing in for a joint or spine."""
    planned: list[AreaReading] = []
    seen: set[str] = set()
    for area in areas:
        plan = content.smr.areas[area.area]
        targets = [area] if isinstance(plan, RollPlan) else []
        if isinstance(plan, NoRollPlan):
            targets = [
                AreaReading(n, area.side if n in _sided(content) else None) for n in plan.instead
            ]
        for target in targets:
            if target.area not in seen:
                seen.add(target.area)
                planned.append(target)
    return planned


def _sided(content: TightContent) -> set[str]:
    return {area.id for area in content.vocabulary.areas if area.sided}


def release_plan(
    content: TightContent, areas: Sequence[AreaReading], kind: Kind | None
) -> list[str]:
    """Messages in order: the basics, one per area (joints and spine point elsewhere), a close."""
    smr = content.smr
    words = content.words.tight
    messages = ["\n".join([words.plan_intro, smr.basics, smr.heads_up, smr.avoid_everywhere])]
    done: set[str] = set()
    for area in areas:
        plan = smr.areas[area.area]
        if isinstance(plan, NoRollPlan):
            instead = [content.vocabulary.area(n).short for n in plan.instead]
            messages.append(
                words.plan_no_roll.format(
                    title=_title(content, area), why_not=plan.why_not, instead=join_words(instead)
                )
            )
    for area in plan_areas(content, areas):
        if area.area in done:
            continue
        done.add(area.area)
        plan = smr.areas[area.area]
        assert isinstance(plan, RollPlan)
        messages.append(
            words.plan_area.format(
                title=_title(content, area),
                tool=plan.tool,
                time=plan.time,
                how="\n".join(f"• {step}" for step in plan.how),
                avoid=" ".join(plan.avoid),
            )
        )
    closing = [words.plan_outro]
    if kind == "pain":
        closing.insert(0, smr.when_pain)
    messages.append("\n".join(closing))
    return messages


def triage_message(content: TightContent, triage: Triage, emergency: Mapping[str, str]) -> str:
    """ "Stop here..." with the reasons found, what to do, and where the advice comes from.

    ``emergency`` fills the advice with the numbers and services where the runner is. A
    health service's own pages (a source with a ``country``) are listed only for a runner
    known to be in that country: a Toronto runner reads no "NHS", and neither does a
    runner whose country is unknown, who is told "your local emergency number" and would
    otherwise be sent to pages about 999 and NHS 111."""
    assert triage.level is not None
    country = emergency.get("country")
    rules = content.triage
    level = rules.levels[triage.level]
    reasons = [rules.rule(reason_id).reason for reason_id in triage.reasons]
    sources: list[Source] = []
    for reason_id in triage.reasons:
        for source_id in rules.rule(reason_id).sources:
            source = rules.sources[source_id]
            if source.country is not None and source.country != country:
                continue
            if source not in sources:
                sources.append(source)
    lines = [
        level.headline,
        rules.reasons_intro.format(reasons=join_words(reasons)),
        level.advice.format_map(emergency),
    ]
    if sources:
        lines += [rules.sources_intro, *(f"• {s.title}: {s.url}" for s in sources[:MAX_SOURCES])]
    return "\n".join(lines)
