"""The words for tight spots: release plans, triage messages and report summaries.

Pure functions from content and a reading to text; every word comes from content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.content import Source
from bot.core.wording import join_words
from bot.features.tight.content import Adjustment, Kind, NoRollPlan, RollPlan, TightContent
from bot.features.tight.reading import AreaReading, Triage

MAX_SOURCES = 3


def area_name(content: TightContent, area: AreaReading | str) -> str:
    """ "left glute", "lower back": short and lower-case, for sentences."""
    reading = AreaReading(area) if isinstance(area, str) else area
    terms = content.vocabulary.area(reading.area)
    short = terms.short
    if reading.side is None:
        return short
    words = content.words.tight
    if reading.side == "both":
        return words.summary_area_both.format(area=terms.plural or f"{short}s")
    return words.summary_area.format(side=words.side_labels[reading.side], area=short)


def area_names(content: TightContent, areas: Sequence[AreaReading | str]) -> str:
    return join_words([area_name(content, area) for area in areas])


def titles(content: TightContent, areas: Sequence[AreaReading]) -> list[str]:
    """The names each area goes by in a plan: its heading in full ("Glutes and
    piriformis (buttock), left") and its line in the one-screen plan ("Left glute"), to
    show in bold."""
    return [_title(content, area) for area in areas] + [
        _capital(area_name(content, area)) for area in areas
    ]


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


PLAN_LIMIT = 1200
"""The most a plan's reply may hold, in characters: about one phone screen."""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass(frozen=True, slots=True)
class Plan:
    text: str
    preamble: bool
    """The general how-to-roll words are in ``text`` (shown once a day)."""


def one_screen_plan(
    content: TightContent,
    areas: Sequence[AreaReading],
    kind: Kind | None,
    intensity: int | None,
    adjustment: Adjustment | None,
    *,
    preamble: bool,
    tail: str = "",
) -> Plan:
    """The plan as one message that fits one phone screen (``PLAN_LIMIT``): the preamble
    if asked for, what was understood, the one-line reason when it goes lighter, a line
    per area (tool, time, one sentence of technique), then ``tail``.

    Over the limit, the last areas lose their sentence of technique first (it is in "More
    detail"), and only then the preamble (to be shown with a later plan instead).
    """
    smr = content.smr
    words = content.words.tight
    understood = summary(content, areas, kind, intensity)
    top = [words.plan_head.format(summary=understood)]
    if adjustment is not None:
        top.append(smr.lighter.reasons[adjustment].line.format(score=intensity))
        if adjustment == "wait":
            top.append(words.plan_after_wait)
    for area in areas:
        plan = smr.areas[area.area]
        if isinstance(plan, NoRollPlan):
            instead = join_words([content.vocabulary.area(n).short for n in plan.instead])
            top.append(
                words.plan_no_roll_line.format(
                    name=_capital(area_name(content, area)), brief=plan.brief, instead=instead
                )
            )
    targets = plan_areas(content, areas)
    full, short = [], []
    for area in targets:
        plan = smr.areas[area.area]
        assert isinstance(plan, RollPlan)
        fields = {
            "name": _capital(area_name(content, area)),
            "tool": plan.short_tool,
            "time": plan.light_time if adjustment is not None else _lower(plan.time),
            "brief": plan.brief,
        }
        full.append(words.plan_line.format(**fields))
        short.append(words.plan_line_short.format(**fields))
    closing = [smr.when_pain_short] if kind == "pain" and adjustment != "wait" else []

    def build(with_preamble: bool, briefs: int) -> str:
        lines = [*top, *full[:briefs], *short[briefs:], *closing]
        parts = [smr.preamble] if with_preamble else []
        parts.append("\n".join(lines))
        if tail:
            parts.append(tail)
        return "\n\n".join(parts)

    for with_preamble in (True, False) if preamble else (False,):
        for briefs in range(len(targets), -1, -1):
            text = build(with_preamble, briefs)
            if len(text) <= PLAN_LIMIT:
                return Plan(text, with_preamble)
    return Plan(build(False, 0), False)


def plan_in_detail(
    content: TightContent,
    areas: Sequence[AreaReading],
    kind: Kind | None,
    adjustment: Adjustment | None,
) -> list[str]:
    """ "More detail": the full how-to, why it is lighter today, the whole technique for
    each area (joints and spine point to their neighbours), and where it all comes from."""
    smr = content.smr
    words = content.words.tight
    messages = ["\n".join([words.plan_intro, smr.basics, smr.heads_up, smr.avoid_everywhere])]
    cited: list[str] = ["seed"]
    if adjustment is not None:
        reason = smr.lighter.reasons[adjustment]
        messages.append(reason.detail)
        cited += reason.sources
    for area in areas:
        plan = smr.areas[area.area]
        if isinstance(plan, NoRollPlan):
            cited += plan.sources
            instead = [content.vocabulary.area(n).short for n in plan.instead]
            messages.append(
                words.plan_no_roll.format(
                    title=_title(content, area), why_not=plan.why_not, instead=join_words(instead)
                )
            )
    for area in plan_areas(content, areas):
        plan = smr.areas[area.area]
        assert isinstance(plan, RollPlan)
        cited += plan.sources
        text = words.plan_area.format(
            title=_title(content, area),
            tool=plan.tool,
            time=plan.time,
            how="\n".join(f"• {step}" for step in plan.how),
            avoid=" ".join(plan.avoid),
        )
        if adjustment is not None:
            text += "\n" + words.light_today.format(time=plan.light_time)
        messages.append(text)
    closing = [words.plan_outro]
    if kind == "pain":
        closing.insert(0, smr.when_pain)
    messages.append("\n".join(closing))
    sources = [smr.sources[s] for s in dict.fromkeys(cited)]
    messages.append(
        "\n".join(
            [
                words.detail_sources,
                *(f"• {s.title}: {s.url}" if s.url else f"• {s.title}" for s in sources),
            ]
        )
    )
    return messages


def triage_message(
    content: TightContent,
    triage: Triage,
    emergency: Mapping[str, str],
    *,
    in_warmup: bool = False,
) -> str:
    """ "Stop here..." with the reasons found, what to do, and where the advice comes from.

    ``emergency`` fills the advice with the numbers and services where the runner is. A
    health service's own pages (a source with a ``country``) are listed only for a runner
    known to be in that country: a Toronto runner reads no "NHS", and neither does a
    runner whose country is unknown, who is told "your local emergency number" and would
    otherwise be sent to pages about 999 and NHS 111. ``in_warmup``: said in the middle
    of a pre-run warm-up, whose drills stop (nothing there is being rolled)."""
    assert triage.level is not None
    country = emergency.get("country")
    rules = content.triage
    level = rules.levels[triage.level].worded(in_warmup=in_warmup)
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
