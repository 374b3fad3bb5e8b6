"""Numbers typed in the terminal: at a number question a number is the answer, and a stray
digit never presses a destructive button (the terminal asks first)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.adapters.terminal import TerminalAdapter
from bot.content import Content
from bot.core.engine import Coach

START = "/start\n1\n"
TO_FIRST_DRILL = START + "/warmup\n3\n2\n"


async def _transcript(coach: Coach, content: Content, script: str, exports: Path) -> str:
    out = io.StringIO()
    adapter = TerminalAdapter(
        coach.handle,
        stdin=io.StringIO(script),
        stdout=out,
        export_dir=exports,
        words=content.texts,
    )
    await adapter.run()
    return out.getvalue()


def _exported(exports: Path) -> dict[str, list[dict[str, object]]]:
    [export] = list(exports.glob("*.json"))
    data: dict[str, list[dict[str, object]]] = json.loads(export.read_text())["data"]
    return data


async def test_a_number_at_the_soreness_check_is_that_soreness(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    # "3" is the third button ("Sore", 5) by position; at this question it means 3.
    transcript = await _transcript(coach, content, TO_FIRST_DRILL + "/export\n", tmp_path)
    assert "  [a] Loose 😊\n  [b] A bit stiff\n  [c] Sore\n  [d] Very sore" in transcript
    assert "only 3/10 sore" in transcript
    assert _exported(tmp_path)["checkins"][0]["soreness"] == 3


async def test_a_letter_or_a_label_still_presses_a_soreness_button(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    script = START + "/warmup\nc\n2\n/cancel\n/warmup\nvery sore\n2\n/export\n"
    await _transcript(coach, content, script, tmp_path)
    assert [c["soreness"] for c in _exported(tmp_path)["checkins"]] == [5, 8]


async def test_a_number_at_how_strong_is_that_strength(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    script = START + "/tight left glute hurts\n3\n"
    transcript = await _transcript(coach, content, script, tmp_path)
    asked = transcript.split("> /tight left glute hurts")[1]
    assert "How much does it hurt, from 1 to 10?" in asked
    assert "  [a] 1\n  [b] 2\n  [c] 3" in asked  # lettered: a typed number is the answer
    assert "left glute (painful, 3/10)" in asked


async def test_a_number_at_minutes_before_is_those_minutes(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    script = START + "/timezone Europe/London\n/remind\n1\n12\n8\n2\n"
    transcript = await _transcript(coach, content, script, tmp_path)
    # Mon pressed, Done pressed, "8" at the run time is 08:00, "2" at the minutes is 2.
    assert "Remind you Mon, 2 minutes before your 08:00 run?" in transcript


async def test_a_stray_digit_at_a_drill_asks_before_stopping(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    script = TO_FIRST_DRILL + "3\nn\n1\n3\n2\n3\nyes\n/export\n"
    transcript = await _transcript(coach, content, script, tmp_path)
    asked = 'Press "Stop"? Type y to do that, or n to carry on.'
    assert transcript.count(asked) == 3
    first, second, third = transcript.split(asked)[1:]
    assert "Drill 2 of 3" in first  # "n", then "1" pressed Done: still warming up
    assert "Drill 3 of 3" in second  # not confirmed: "2" pressed Skip
    assert "Warm-up stopped" not in first + second
    assert "Warm-up stopped after 1 of 3 drills" in third  # Done, Skip, then Stop
    [session] = _exported(tmp_path)["warmup_sessions"]
    assert session["status"] == "stopped"


async def test_typing_the_label_of_a_destructive_button_presses_it(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    transcript = await _transcript(coach, content, TO_FIRST_DRILL + "stop\n", tmp_path)
    assert "Press" not in transcript.split("> stop")[1]
    assert "Warm-up stopped after 0 of 3 drills" in transcript


async def test_erasing_everything_by_number_is_asked_once_more(
    coach: Coach, content: Content, tmp_path: Path
) -> None:
    script = START + "/forget\n1\nn\n/forget\n1\ny\n"
    transcript = await _transcript(coach, content, script, tmp_path)
    first, second = transcript.split("> /forget")[1:]
    assert 'Press "Yes, erase everything"?' in first
    assert content.texts.privacy.forgotten not in first
    assert content.texts.privacy.forgotten in second
