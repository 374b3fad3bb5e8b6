"""End to end in the terminal chat: report, plan, red flag, warm-up, progress, export, forget."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.terminal import TerminalAdapter
from bot.content import Content
from bot.core.engine import Coach
from bot.features.tight.models import TightReport


async def run_script(coach: Coach, lines: list[str], export_dir: Path) -> dict[str, str]:
    """Type ``lines`` into a terminal chat; what the coach printed after each line."""
    out = io.StringIO()
    adapter = TerminalAdapter(
        coach.handle,
        user="runner-1",
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
        export_dir=export_dir,
    )
    await adapter.run()
    answers: dict[str, str] = {}
    current: str | None = None
    for block in out.getvalue().split("\n\n"):
        if block.startswith("> "):
            current = block[2:]
            answers[current] = ""
        elif current is not None:
            answers[current] += block + "\n"
    return answers


def exported(answer: str) -> dict[str, list[dict[str, object]]]:
    path = Path(answer.split("[saved to ")[1].split("]")[0])
    data: dict[str, list[dict[str, object]]] = json.loads(path.read_text())["data"]
    return data


async def test_the_whole_journey_in_the_terminal(
    coach: Coach,
    content: Content,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tight = content.tight
    words = tight.words
    report = "my left glute is knotted and the outer thigh is tight, about 4/10"
    red_flag = "I fell on the trail and can't put weight on my right leg"
    loose = next(c.label for c in content.routine.soreness_choices if c.value == 0)
    first = await run_script(
        coach,
        [
            "/start",
            content.texts.start.accept,
            report,
            "no, the right side",
            red_flag,
            "/warmup",
            loose,
            content.texts.warmup.sharp_no,
            "/cancel",
            "/progress",
            "/export",
        ],
        tmp_path,
    )

    # A clear report gets its plan at once, on one screen, and a correction is understood.
    plan = first[report]
    assert "Rolling plan: left glute and left outer thigh (tight, 4/10)" in plan
    assert "• Left glute: " in plan
    assert "• Left outer thigh: " in plan
    assert tight.smr.preamble in plan.replace("\n", " ")
    assert f"[1] {words.tight.buttons.more_detail}" in plan
    fixed = first["no, the right side"]
    assert "Updated: right glute and right outer thigh (tight, 4/10)." in fixed

    # A red flag gets triage and nothing else.
    triage = first[red_flag]
    assert triage.startswith(tight.triage.levels["urgent"].headline)
    assert "Rolling plan" not in triage
    assert "[1]" not in triage

    # The warm-up after the report starts with rolling there, and says why.
    warmup = first[content.texts.warmup.sharp_no]
    assert (
        words.warmup_prelude.reason_areas.format(areas="right glute and right outer thigh")
        in warmup
    )
    assert words.warmup_prelude.intro in warmup

    # /progress reflects the warm-up check-in and the report.
    progress = first["/progress"]
    assert content.progress.soreness.format(values="0") in progress
    assert "glute (1 day) and outer thigh (1 day)." in progress

    # /export includes the report (and never the red flag, which nobody confirmed).
    [row] = exported(first["/export"])["tight_reports"]
    assert row["areas"] == [
        {"area": "glutes", "side": "right"},
        {"area": "outer_thigh", "side": "right"},
    ]
    assert row["intensity"] == 4
    assert row["kind"] == "tightness"

    second = await run_script(
        coach, ["/forget", content.texts.privacy.forget_yes, "/export"], tmp_path / "after"
    )
    assert content.texts.privacy.forgotten in second[content.texts.privacy.forget_yes]
    assert "tight_reports" not in exported(second["/export"])
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TightReport)) == 0
