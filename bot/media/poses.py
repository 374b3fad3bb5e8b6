"""The drill demos as content (content/poses.yaml): a stick figure's key poses, as joint
angles, and each demo's timeline of poses, with the words drawn into the frames.

Angles are degrees in the side view, the figure facing right. Each side is named by
its part in the move, not left or right: ``work`` is the working leg (and the arm on
its side), ``other`` the other one; a demo's ``sides`` says which real side works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from bot.core.content import Frozen, Identifier, NonEmpty, Template, load_file

RealSide = Literal["left", "right"]
Role = Literal["work", "other"]

# Ranges a body reaches, in the side view. The shoulder goes all the way round: an arm
# circle seen from the side passes behind the body and over the top.
RANGES: dict[str, tuple[float, float]] = {
    "trunk": (-30, 75),
    "hip": (-45, 130),
    "knee": (0, 150),
    # The foot is one piece, so toes tucked under (the back foot of a lunge) count here.
    "ankle": (-50, 50),
    "shoulder": (-180, 180),
    "elbow": (0, 150),
}


class Figure(Frozen):
    """Segment lengths in centimetres (a runner about 175 cm tall)."""

    trunk: float = Field(gt=0, le=100)
    neck: float = Field(gt=0, le=30)
    head: float = Field(gt=0, le=20)  # radius
    thigh: float = Field(gt=0, le=80)
    shin: float = Field(gt=0, le=80)
    ankle_height: float = Field(gt=0, le=20)
    heel: float = Field(ge=0, le=20)
    toe: float = Field(gt=0, le=40)
    upper_arm: float = Field(gt=0, le=60)
    forearm: float = Field(gt=0, le=70)  # to the fingertips


class Limbs(Frozen):
    """One side's joints: flexion from standing tall, arms hanging (all 0).

    ``hip``: thigh forward of the trunk line (negative: behind it). ``knee``: bend.
    ``ankle``: toes up towards the shin (negative: pointed). ``shoulder``: arm forward
    and up from hanging (negative: back). ``elbow``: bend."""

    hip: float = 0
    knee: float = 0
    ankle: float = 0
    shoulder: float = 0
    elbow: float = 0


class Pose(Frozen):
    trunk: float = 0  # lean forward from upright (negative: back)
    stance: Role = "other"  # the foot the figure stands on
    both_feet: bool = False  # the other foot is on the floor too
    x: float = 0  # where the stance ankle is along the floor, cm (forward is +)
    work: Limbs = Limbs()
    other: Limbs = Limbs()

    def angle_problems(self) -> list[str]:
        problems = []
        low, high = RANGES["trunk"]
        if not low <= self.trunk <= high:
            problems.append(f"trunk {self.trunk:g} is outside {low:g}..{high:g}")
        for role in ("work", "other"):
            limbs: Limbs = getattr(self, role)
            for joint in ("hip", "knee", "ankle", "shoulder", "elbow"):
                value = getattr(limbs, joint)
                low, high = RANGES[joint]
                if not low <= value <= high:
                    problems.append(f"{role}.{joint} {value:g} is outside {low:g}..{high:g}")
        return problems


class Key(Frozen):
    """Move into ``pose`` over ``ms`` milliseconds (0: cut straight to it)."""

    pose: Identifier
    ms: int = Field(ge=0, le=10_000)


def _keys(value: object) -> object:
    # `[stand, 400]` reads better in the file than `{pose: stand, ms: 400}`.
    if isinstance(value, list):
        return [
            {"pose": item[0], "ms": item[1]} if isinstance(item, list) and len(item) == 2 else item
            for item in value
        ]
    return value


class Support(Frozen):
    """A post to hold (a wall or a chair back): where it stands and how tall, cm."""

    x: float
    height: float = Field(gt=0, le=200)


class Demo(Frozen):
    """One drill variant's animation: ``before``, then ``rep`` ``reps`` times (counted),
    then ``after``, once for each of ``sides``; with ``alternate``, the working side
    swaps at every rep instead (counted across both sides)."""

    alt: NonEmpty  # what the animation shows, for people who can't see it
    label: Template  # drawn above the count: {side} is the working side's word
    sides: tuple[RealSide, ...] = Field(min_length=1, max_length=2)
    reps: int = Field(ge=1, le=30)
    alternate: bool = False
    support: Support | None = None
    before: tuple[Key, ...] = ()
    rep: tuple[Key, ...] = Field(min_length=1)
    after: tuple[Key, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _pairs(cls, data: object) -> object:
        if isinstance(data, dict):
            return {k: _keys(v) if k in ("before", "rep", "after") else v for k, v in data.items()}
        return data


class DemoWords(Frozen):
    sides: dict[RealSide, NonEmpty]
    count: Template  # "{count} of {total}"


class PoseBook(Frozen):
    figure: Figure
    frame_ms: int = Field(ge=40, le=500)
    words: DemoWords
    poses: dict[Identifier, Pose]
    demos: dict[Identifier, dict[Literal["standard", "gentle"], Demo]]

    @model_validator(mode="after")
    def _known_poses(self) -> PoseBook:
        for drill, variants in self.demos.items():
            for variant, demo in variants.items():
                for key in (*demo.before, *demo.rep, *demo.after):
                    if key.pose not in self.poses:
                        raise ValueError(f"demos.{drill}.{variant}: unknown pose {key.pose!r}")
        return self

    def demo(self, drill: str, variant: str) -> Demo | None:
        for name, demo in self.demos.get(drill, {}).items():
            if name == variant:
                return demo
        return None


def load_poses(path: Path) -> PoseBook:
    return load_file(path, PoseBook)
