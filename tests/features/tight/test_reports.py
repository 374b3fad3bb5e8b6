"""The labelled reports of reports.yaml, through the whole coach as a runner meets it:
the plan after at most the labelled number of questions, the right areas and sides
stored, vague reports asked about, red flags triaged, corrections understood."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Outcome
from bot.features.tight import AreaReading, Reader
from bot.features.tight.content import TightContent
from bot.features.tight.models import TightReport
from bot.testing import Chat

TABLE = Path(__file__).with_name("reports.yaml")
REQUIRED = 0.95
Areas = frozenset[tuple[str, str | None]]


def _areas(items: list[str]) -> Areas:
    found = set()
    for item in items:
        area, _, side = str(item).partition(":")
        found.add((area, side or None))
    return frozenset(found)


@dataclass(frozen=True)
class Case:
    text: str
    areas: Areas = frozenset()
    questions: int | None = None
    ask: bool = False
    red_flag: str | None = None
    lighter: str | None = None
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fix:
    report: str
    then: str
    areas: Areas
    intensity: int | None = None


def _table() -> tuple[list[Case], list[Fix]]:
    raw = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    cases = [
        Case(
            text=row["text"],
            areas=_areas(row.get("areas", [])),
            questions=row.get("questions"),
            ask=row.get("ask", False),
            red_flag=row.get("red_flag"),
            lighter=row.get("lighter"),
            answers=tuple(str(a) for a in row.get("answers", ())),
        )
        for row in raw["reports"]
    ]
    fixes = [
        Fix(row["report"], row["then"], _areas(row["areas"]), row.get("intensity"))
        for row in raw["corrections"]
    ]
    return cases, fixes


CASES, FIXES = _table()


@dataclass
class Run:
    """What happened to one report."""

    questions: int = 0
    plan: str | None = None
    triage: str | None = None
    asked: bool = False
    replies: list[str] = field(default_factory=list)


def _classify(content: Content, outcome: Outcome) -> tuple[str, str]:
    text = "\n".join(reply.text for reply in outcome.replies)
    for words in content.tight.triage.levels.values():
        if words.headline in text:
            return "triage", text
    if content.tight.words.tight.plan_head.split("{")[0] in text:
        return "plan", text
    return "question", text


async def _send(chat: Chat, text: str) -> Outcome:
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return await chat.command(name, args)
    return await chat.say(text)


async def run_report(chat: Chat, content: Content, case: Case) -> Run:
    words = content.tight.words.tight
    run = Run()
    outcome = await _send(chat, case.text)
    answers = list(case.answers)
    for _ in range(4):
        kind, text = _classify(content, outcome)
        run.replies.append(text)
        if kind == "triage":
            run.triage = text
            return run
        if kind == "plan":
            run.plan = text
            return run
        run.questions += 1
        labels = [choice.label for choice in chat.last_choices()]
        if words.buttons.done in labels:  # the area picker: a vague report
            run.asked = True
            return run
        if answers:
            answer = answers.pop(0)
        elif words.buttons.looks_right in labels:
            answer = words.buttons.looks_right
        elif words.kind_buttons["tightness"] in labels:
            answer = words.kind_buttons["tightness"]
        else:
            answer = "4"
        outcome = await chat.press(answer)
    return run


async def stored(sessions: async_sessionmaker[AsyncSession], user_id: int) -> list[TightReport]:
    async with sessions() as session:
        rows = await session.scalars(
            select(TightReport).where(TightReport.user_id == user_id).order_by(TightReport.id)
        )
        return list(rows)


def _stored_areas(report: TightReport) -> Areas:
    return frozenset((str(i["area"]), i.get("side")) for i in report.areas)


async def new_runner(coach: Coach, content: Content, name: str) -> tuple[Chat, int]:
    chat = Chat(coach, ConversationKey("terminal", name, name))
    await chat.command("start")
    await chat.press(content.texts.start.accept)
    async with coach.database.transaction() as tx:
        users = coach.conversations(tx)
        user, _ = await users.load(chat.key, coach.clock.now())
    return chat, user.id


def _lighter_line(content: Content, name: str) -> str:
    return content.tight.smr.lighter.reasons[name].line.split("{")[0][:40]  # type: ignore[index]


async def check(
    coach: Coach, content: Content, sessions: async_sessionmaker[AsyncSession], i: int, case: Case
) -> str | None:
    """What went wrong with ``case``, or ``None``."""
    chat, user_id = await new_runner(coach, content, f"report-{i}")
    run = await run_report(chat, content, case)
    reports = await stored(sessions, user_id)
    if case.red_flag is not None:
        level = content.tight.triage.levels[case.red_flag].headline  # type: ignore[index]
        if run.triage is None or level not in run.triage:
            return f"expected {case.red_flag}, got {run.replies}"
        if reports:
            return "a red flag was stored"
        return None
    if case.ask:
        if not run.asked or run.plan is not None:
            return f"expected a question, got {run.replies}"
        return None
    if run.plan is None:
        return f"no plan after {run.questions} question(s): {run.replies}"
    assert case.questions is not None
    if run.questions > case.questions:
        return f"{run.questions} questions before the plan, at most {case.questions} allowed"
    if len(reports) != 1:
        return f"{len(reports)} reports stored"
    got = _stored_areas(reports[0])
    if got != case.areas:
        return f"areas {sorted(got, key=str)}, expected {sorted(case.areas, key=str)}"
    if case.lighter == "none":
        lines = [_lighter_line(content, name) for name in content.tight.smr.lighter.reasons]
        if any(line in run.plan for line in lines):
            return f"a lighter plan, expected the full one: {run.plan}"
    elif case.lighter is not None and _lighter_line(content, case.lighter) not in run.plan:
        return f"expected the {case.lighter} plan: {run.plan}"
    return None


def test_the_table_is_big_and_varied() -> None:
    reports = [c for c in CASES if c.questions is not None]
    assert len(CASES) >= 60
    assert len(FIXES) >= 20
    assert len({(c.text, c.answers) for c in CASES}) == len(CASES), "duplicate reports"
    assert sum(c.questions == 0 for c in reports) >= 30
    assert sum(c.questions == 1 for c in reports) >= 10
    assert sum(c.ask for c in CASES) >= 10
    assert sum(c.red_flag is not None for c in CASES) >= 10
    assert {c.lighter for c in CASES} >= {"wait", "care", "fresh", "doms", "strong", "none"}


async def test_reports_get_their_plan_after_at_most_the_labelled_questions(
    coach: Coach, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    wrong = {}
    for i, case in enumerate(CASES):
        problem = await check(coach, content, sessions, i, case)
        if problem is not None:
            wrong[case] = problem
    flags = [c for c in CASES if c.red_flag is not None]
    flags_right = sum(c not in wrong for c in flags)
    clear = [c for c in CASES if c.questions is not None]
    direct = [c for c in clear if c.questions == 0]
    right = len(CASES) - len(wrong)
    print(
        f"\nreports right: {right}/{len(CASES)} ({right / len(CASES):.1%}); "
        f"plan with no question: {sum(c not in wrong for c in direct)}/{len(direct)}; "
        f"with one: {sum(c not in wrong for c in clear if c.questions == 1)}"
        f"/{sum(c.questions == 1 for c in clear)}; "
        f"vague ones asked: {sum(c not in wrong for c in CASES if c.ask)}"
        f"/{sum(c.ask for c in CASES)}; "
        f"red flags: {flags_right}/{len(flags)}"
    )
    report = "\n".join(f"{c.text!r} {c.answers}: {problem}" for c, problem in wrong.items())
    assert flags_right == len(flags), report
    assert right / len(CASES) >= REQUIRED, report


async def run_fix(
    coach: Coach, content: Content, sessions: async_sessionmaker[AsyncSession], i: int, fix: Fix
) -> str | None:
    words = content.tight.words.tight
    chat, user_id = await new_runner(coach, content, f"fix-{i}")
    run = await run_report(chat, content, Case(fix.report, questions=1))
    if run.plan is None:
        return f"no plan for the report: {run.replies}"
    outcome = await chat.say(fix.then)
    text = "\n".join(reply.text for reply in outcome.replies)
    refusals = (
        words.type_or_tap,
        words.correction_ask,
        content.texts.understanding.cant_help_yet,
        content.texts.common.free_text,
    )
    if not text or any(refusal in text for refusal in refusals):
        return f"refused: {text!r}"
    reports = await stored(sessions, user_id)
    if len(reports) != 1:
        return f"{len(reports)} reports stored"
    got = _stored_areas(reports[0])
    if got != fix.areas:
        return f"areas {sorted(got, key=str)}, expected {sorted(fix.areas, key=str)}"
    if fix.intensity is not None and reports[0].intensity != fix.intensity:
        return f"strength {reports[0].intensity}, expected {fix.intensity}"
    return None


async def test_corrections_after_the_plan_are_understood(
    coach: Coach, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    wrong = {}
    for i, fix in enumerate(FIXES):
        problem = await run_fix(coach, content, sessions, i, fix)
        if problem is not None:
            wrong[fix] = problem
    right = len(FIXES) - len(wrong)
    print(f"\ncorrections right: {right}/{len(FIXES)} ({right / len(FIXES):.1%})")
    report = "\n".join(f"{f.report!r} + {f.then!r}: {problem}" for f, problem in wrong.items())
    assert right / len(FIXES) >= REQUIRED, report


@pytest.mark.parametrize("fix", FIXES[:3], ids=lambda f: f.then)
async def test_a_correction_replies_with_what_it_now_says(
    coach: Coach, content: Content, sessions: async_sessionmaker[AsyncSession], fix: Fix
) -> None:
    chat, _ = await new_runner(coach, content, "one")
    await run_report(chat, content, Case(fix.report, questions=1))
    await chat.say(fix.then)
    assert chat.last_text().startswith(content.tight.words.tight.updated.split("{")[0])


def test_the_quick_test_for_a_correction_never_misses_one(
    reader: Reader, tight_content: TightContent
) -> None:
    every = tuple(AreaReading(a, "left") for a in tight_content.area_ids())
    phrases = yaml.safe_load(TABLE.with_name("phrases.yaml").read_text(encoding="utf-8"))
    texts = [f.then for f in FIXES] + [c.text for c in CASES] + [row["text"] for row in phrases]
    missed = [
        text
        for text in texts
        if reader.correct(text, every, None, None) is not None
        and not reader.may_correct(text, reader.read(text))
    ]
    assert not missed
