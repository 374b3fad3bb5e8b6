"""Content is validated at load; a broken file says which file, which field and why."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_coach
from bot.content import Content, ContentError, load_content
from bot.testing import FakeClock
from tests.conftest import CONTENT_DIR

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "loosen-up-your-hips.txt"


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def edit_yaml(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_content_loads(content: Content) -> None:
    ids = [drill.id for drill in content.drills.drills]
    assert ids == ["bouncing_lunges", "chair_pose_squats", "toy_soldiers"]
    for drill in content.drills.drills:
        assert drill.source in content.sources
        assert drill.standard.steps
        assert drill.gentle.steps


def test_seed_counts_and_reps_are_kept(content: Content) -> None:
    def text(drill_id: str) -> str:
        drill = content.drills.by_id(drill_id)
        return " ".join(step.text for step in drill.standard.steps)

    assert "8 counts" in text("bouncing_lunges")
    assert "switch legs" in text("bouncing_lunges")
    assert "4 reps" in text("chair_pose_squats")
    assert "switch legs" in text("chair_pose_squats")
    assert "12 reps" in text("toy_soldiers")


def test_wording_is_our_own() -> None:
    """No sentence of the seed's drill instructions is copied word for word."""
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    seed_sentences = {
        s.strip().lower()
        for line in SEED.read_text(encoding="utf-8").splitlines()
        for s in line.replace("•", "").split(".")
        if len(s.split()) >= 6
    }
    ours = " ".join(p.read_text(encoding="utf-8").lower() for p in CONTENT_DIR.rglob("*.yaml"))
    copied = [s for s in seed_sentences if s in ours]
    assert copied == []


def test_every_safety_note_cites_a_source(content: Content) -> None:
    for note in (content.safety.disclaimer, content.safety.sharp_pain, content.safety.very_sore):
        assert note.sources
        assert all(content.sources[s].url for s in note.sources)


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "drills.yaml",
            lambda d: d["drills"][1]["standard"].pop("steps"),
            "drills.yaml: drills.1.standard.steps: Field required",
        ),
        (
            "drills.yaml",
            lambda d: d["drills"][0]["gentle"].update(steps=[]),
            "drills.yaml: drills.0.gentle.steps: Tuple should have at least 1 item",
        ),
        (
            "drills.yaml",
            lambda d: d["drills"][2].update(colour="red"),
            "drills.yaml: drills.2.colour: Extra inputs are not permitted",
        ),
        (
            "drills.yaml",
            lambda d: d["drills"][0].update(source="hearsay"),
            "drills.yaml: drills.0.source: unknown source 'hearsay'",
        ),
        (
            "routines.yaml",
            lambda d: d.update(drills=["bouncing_lunges", "cartwheels"]),
            "routines.yaml: drills.1: unknown drill 'cartwheels'",
        ),
        (
            "routines.yaml",
            lambda d: d.update(gentle_from_soreness=11),
            "routines.yaml: gentle_from_soreness: Input should be less than or equal to 10",
        ),
        (
            "texts/core.yaml",
            lambda d: d["warmup"].update(drill_header="Drill {number of {total}"),
            "texts/core.yaml: warmup.drill_header",
        ),
        (
            "texts/core.yaml",
            lambda d: d["warmup"].pop("done"),
            "texts/core.yaml: warmup.done: Field required",
        ),
        (
            "safety.yaml",
            lambda d: d["sharp_pain"].update(sources=[]),
            "safety.yaml: sharp_pain.sources: Tuple should have at least 1 item",
        ),
    ],
)
def test_broken_content_names_file_field_and_reason(
    content_copy: Path,
    file: str,
    change: Callable[[dict[str, object]], None],
    expected: str,
) -> None:
    edit_yaml(content_copy / file, change)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert expected in str(caught.value)


def test_invalid_yaml_names_the_file(content_copy: Path) -> None:
    (content_copy / "routines.yaml").write_text("drills: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"routines\.yaml: not valid YAML"):
        load_content(content_copy)


def test_missing_file_names_it(content_copy: Path) -> None:
    (content_copy / "safety.yaml").unlink()
    with pytest.raises(ContentError, match=r"safety\.yaml: file is missing"):
        load_content(content_copy)


def test_a_command_without_a_description_stops_the_coach(
    content_copy: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    edit_yaml(content_copy / "texts" / "core.yaml", lambda d: d["commands"].pop("warmup"))  # type: ignore[attr-defined]
    content = load_content(content_copy)
    with pytest.raises(ContentError, match="no description for /warmup"):
        build_coach(sessions, content, clock=FakeClock())
