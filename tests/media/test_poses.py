"""The drill demos' poses: every drill and variant has one, and every frame of it keeps
the body in human ranges and above the floor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import Content, ContentError, load_content
from bot.media.motion import frames, problems
from bot.media.poses import Limbs, PoseBook
from tests.conftest import CONTENT_DIR


def test_every_drill_and_variant_has_poses_that_check_out(content: Content) -> None:
    poses = content.media.poses
    assert problems(poses) == []
    for drill in content.drills.drills:
        for variant in ("standard", "gentle"):
            assert poses.demo(drill.id, variant) is not None, (drill.id, variant)


def test_the_counts_run_through_each_side_in_turn(content: Content) -> None:
    poses = content.media.poses
    lunges = poses.demo("bouncing_lunges", "standard")
    assert lunges is not None
    counted = [(f.side, f.count) for f in frames(poses, lunges) if f.count is not None]
    sides = list(dict.fromkeys(side for side, _ in counted))
    assert sides == ["right", "left"]
    for side in sides:
        assert sorted({n for s, n in counted if s == side}) == list(range(1, 9))
    soldiers = poses.demo("toy_soldiers", "standard")
    assert soldiers is not None
    kicks = {(f.count, f.side) for f in frames(poses, soldiers) if f.count is not None}
    # Twelve kicks, the legs taking turns, the left leg first (the seed's order).
    assert sorted(kicks) == [(n, "left" if n % 2 else "right") for n in range(1, 13)]


def _with_pose(book: PoseBook, name: str, **work: float) -> PoseBook:
    pose = book.poses[name]
    changed = pose.model_copy(update={"work": Limbs(**{**pose.work.model_dump(), **work})})
    return book.model_copy(update={"poses": {**book.poses, name: changed}})


def test_a_knee_driven_through_the_floor_is_named(content: Content) -> None:
    # The front knee bent far further in the deep lunge sinks the whole figure.
    broken = _with_pose(content.media.poses, "lunge_low", knee=140, hip=30)
    found = problems(broken)
    assert any("below the floor" in problem for problem in found), found
    assert any(problem.startswith("demos.bouncing_lunges.standard:") for problem in found)


def test_an_angle_no_body_reaches_is_named(content: Content) -> None:
    broken = _with_pose(content.media.poses, "kick", knee=-20)
    assert "poses.kick: work.knee -20 is outside 0..150" in problems(broken)


def _content_with(tmp_path: Path, change: object) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    path = copy / "poses.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return copy


def test_check_content_names_a_drill_without_a_demo(tmp_path: Path) -> None:
    directory = _content_with(tmp_path, lambda d: d["demos"]["toy_soldiers"].pop("gentle"))
    with pytest.raises(ContentError, match=r"poses.yaml: demos.toy_soldiers.gentle: missing"):
        load_content(directory)


def test_check_content_names_a_foot_that_should_be_on_the_floor(tmp_path: Path) -> None:
    def lift_back_foot(data: dict[str, dict[str, dict[str, object]]]) -> None:
        data["poses"]["lunge_high"]["other"] = {"hip": -25, "knee": 80, "ankle": 36}

    with pytest.raises(ContentError, match=r"pose lunge_high: the left foot should be on"):
        load_content(_content_with(tmp_path, lift_back_foot))
