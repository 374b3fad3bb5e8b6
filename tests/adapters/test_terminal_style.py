"""The terminal chat looks like a chat where someone types: a "> " prompt when input
comes from a terminal (not from a pipe), and colour when the output is a terminal and
``NO_COLOR`` is unset or empty; piped or redirected output stays plain text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.adapters.terminal import TerminalAdapter
from bot.core.engine import Coach

SCRIPT = "/start\n1\n/warmup\n2\n2\n"
ESC = "\x1b["
HEADER = "Drill 1 of 3: Bouncing lunges"


class Tty(io.StringIO):
    """An in-memory stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


async def _chat(
    coach: Coach, tmp_path: Path, *, stdin: io.StringIO, stdout: io.StringIO, env: dict[str, str]
) -> str:
    adapter = TerminalAdapter(
        coach.handle, stdin=stdin, stdout=stdout, export_dir=tmp_path, environ=env
    )
    await adapter.run()
    return stdout.getvalue()


async def test_typed_at_a_terminal_there_is_a_prompt_and_colour(
    coach: Coach, tmp_path: Path
) -> None:
    shown = await _chat(coach, tmp_path, stdin=Tty(SCRIPT), stdout=Tty(), env={"TERM": "xterm"})
    assert shown.count(f"{ESC}36m> {ESC}39m") == SCRIPT.count("\n") + 1  # before each line
    assert f"{ESC}1m{HEADER}{ESC}22m" in shown  # the drill's heading in bold
    assert f"  {ESC}36m[1]{ESC}39m Done" in shown  # the key to type, in colour
    assert "> /warmup" not in shown  # what is typed at a terminal is not echoed


@pytest.mark.parametrize("no_color", ["1", "true", "0"])
async def test_no_color_set_means_no_colour_but_still_a_prompt(
    coach: Coach, tmp_path: Path, no_color: str
) -> None:
    env = {"TERM": "xterm", "NO_COLOR": no_color}
    shown = await _chat(coach, tmp_path, stdin=Tty(SCRIPT), stdout=Tty(), env=env)
    assert ESC not in shown
    assert "\n\n> " in shown
    assert f"{HEADER}\n" in shown
    assert "  [1] Done" in shown


async def test_an_empty_no_color_is_unset(coach: Coach, tmp_path: Path) -> None:
    env = {"TERM": "xterm", "NO_COLOR": ""}
    shown = await _chat(coach, tmp_path, stdin=Tty(SCRIPT), stdout=Tty(), env=env)
    assert f"{ESC}1m{HEADER}" in shown


async def test_output_to_a_file_or_pipe_is_plain(coach: Coach, tmp_path: Path) -> None:
    shown = await _chat(
        coach, tmp_path, stdin=Tty(SCRIPT), stdout=io.StringIO(), env={"TERM": "xterm"}
    )
    assert ESC not in shown
    assert shown.count("> ") >= SCRIPT.count("\n")  # the prompt still shows where to type


async def test_a_dumb_terminal_gets_no_colour(coach: Coach, tmp_path: Path) -> None:
    shown = await _chat(coach, tmp_path, stdin=Tty(SCRIPT), stdout=Tty(), env={"TERM": "dumb"})
    assert ESC not in shown


async def test_piped_input_has_no_prompt_and_is_echoed(coach: Coach, tmp_path: Path) -> None:
    shown = await _chat(coach, tmp_path, stdin=io.StringIO(SCRIPT), stdout=io.StringIO(), env={})
    assert "> /warmup\n\n" in shown  # the echo of the line, as before
    assert not shown.endswith("> ")
    assert "\n\n> \n" not in shown
    assert "\n\n> Drill" not in shown
