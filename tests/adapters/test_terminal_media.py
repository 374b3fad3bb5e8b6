"""Pictures in the terminal: the file's path and a one-line cue under the text."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.adapters.terminal import TerminalAdapter
from bot.content import Content
from bot.core.engine import Coach
from bot.media.library import MediaLibrary


async def _chat(coach: Coach, pictures: MediaLibrary, exports: Path, *lines: str) -> str:
    out = io.StringIO()
    terminal = TerminalAdapter(
        coach.handle,
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=out,
        export_dir=exports,
        pictures=pictures,
    )
    await terminal.run()
    return out.getvalue()


async def test_a_drill_shows_where_its_animation_is_and_what_it_shows(
    coach: Coach, content: Content, pictures: MediaLibrary, tmp_path: Path
) -> None:
    out = await _chat(coach, pictures, tmp_path, "/start", "1", "/warmup", "2", "2")
    alt = " ".join(content.media.poses.demos["bouncing_lunges"]["standard"].alt.split())
    found = re.search(r"\[animation: (\S+\.gif)\] (.+)", out)
    assert found is not None, out
    assert Path(found.group(1)).is_file()
    assert found.group(2) == alt


async def test_progress_is_saved_beside_the_exports_and_erased_with_them(
    coach: Coach, content: Content, pictures: MediaLibrary, tmp_path: Path
) -> None:
    steps = ["/start", "1", "/warmup", "2", "2", "1", "1", "1", "/progress"]
    out = await _chat(coach, pictures, tmp_path, *steps)
    found = re.search(r"\[photo: (\S+\.png)\] A picture of your progress", out)
    assert found is not None, out
    saved = Path(found.group(1))
    assert saved.parent == tmp_path
    assert saved.is_file()
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    erase = content.texts.privacy.forget_yes  # typed in full: a digit alone never erases
    forget = await _chat(coach, pictures, tmp_path, "/forget", erase)
    assert "erase" in forget.lower()
    assert not saved.exists()
