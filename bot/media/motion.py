"""From key poses to the frames of a demo: forward kinematics and timing (pure).

Every frame is a :class:`Body` with its joints in centimetres, the floor at y = 0 and
the figure facing +x. The foot the figure stands on is put on the floor, so whether
the rest of the body stays above it is a property of the angles, which
:func:`problems` checks for every frame.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from bot.media.poses import Demo, Figure, Limbs, Pose, PoseBook, RealSide, Role

Point = tuple[float, float]
SIDES: tuple[RealSide, RealSide] = ("left", "right")
JOINTS = ("hip", "knee", "ankle", "shoulder", "elbow")
# How far a point may sink below the floor line (a rounding slip, not a pose error),
# and how near the floor a foot must be to count as standing on it.
BELOW_FLOOR_CM = 1.0
ON_FLOOR_CM = 2.5


def opposite(side: RealSide) -> RealSide:
    return "right" if side == "left" else "left"


@dataclass(frozen=True, slots=True)
class Leg:
    knee: Point
    ankle: Point
    heel: Point
    toe: Point


@dataclass(frozen=True, slots=True)
class Arm:
    elbow: Point
    hand: Point


@dataclass(frozen=True, slots=True)
class Body:
    pelvis: Point
    shoulder: Point
    neck: Point
    head: Point  # the head's centre
    legs: dict[RealSide, Leg]
    arms: dict[RealSide, Arm]

    def points(self) -> dict[str, Point]:
        """Every point by name ("left.knee"), the head's centre and its lowest point."""
        found = {"pelvis": self.pelvis, "shoulder": self.shoulder, "neck": self.neck}
        found["head"] = self.head
        for side in SIDES:
            leg, arm = self.legs[side], self.arms[side]
            found |= {f"{side}.knee": leg.knee, f"{side}.ankle": leg.ankle}
            found |= {f"{side}.heel": leg.heel, f"{side}.toe": leg.toe}
            found |= {f"{side}.elbow": arm.elbow, f"{side}.hand": arm.hand}
        return found

    def foot_low(self, side: RealSide) -> float:
        leg = self.legs[side]
        return min(leg.heel[1], leg.toe[1])


@dataclass(frozen=True, slots=True)
class RealPose:
    """A pose with its roles turned into real sides."""

    trunk: float
    stance: RealSide
    both_feet: bool
    x: float
    limbs: dict[RealSide, tuple[float, ...]]  # in JOINTS order

    @classmethod
    def of(cls, pose: Pose, work: RealSide) -> RealPose:
        roles: dict[Role, Limbs] = {"work": pose.work, "other": pose.other}
        side_of: dict[Role, RealSide] = {"work": work, "other": opposite(work)}
        limbs = {side_of[r]: tuple(float(getattr(roles[r], j)) for j in JOINTS) for r in roles}
        return cls(pose.trunk, side_of[pose.stance], pose.both_feet, pose.x, limbs)

    def planted(self) -> set[RealSide]:
        return {"left", "right"} if self.both_feet else {self.stance}


@dataclass(frozen=True, slots=True)
class Frame:
    body: Body
    side: RealSide  # the working side
    count: int | None  # the rep under way (from 1); None before and after the reps
    ms: int


def _dir(angle: float) -> Point:
    """A unit vector ``angle`` degrees from straight down, towards the front."""
    rad = math.radians(angle)
    return (math.sin(rad), -math.cos(rad))


def _at(origin: Point, length: float, angle: float) -> Point:
    dx, dy = _dir(angle)
    return (origin[0] + length * dx, origin[1] + length * dy)


def relative_body(figure: Figure, trunk: float, limbs: dict[RealSide, tuple[float, ...]]) -> Body:
    """The body with the pelvis at (0, 0)."""
    pelvis = (0.0, 0.0)
    up = 180 + trunk  # straight up, leaning forward by `trunk`
    shoulder = _at(pelvis, figure.trunk, up)
    neck = _at(shoulder, figure.neck, up)
    head = _at(neck, figure.head, up)
    legs: dict[RealSide, Leg] = {}
    arms: dict[RealSide, Arm] = {}
    for side in SIDES:
        hip, knee_bend, ankle, shoulder_flex, elbow_bend = limbs[side]
        thigh = hip - trunk
        shin = thigh - knee_bend
        foot = shin + 90 + ankle
        knee = _at(pelvis, figure.thigh, thigh)
        ankle_point = _at(knee, figure.shin, shin)
        sole = _at(ankle_point, figure.ankle_height, shin)
        legs[side] = Leg(
            knee,
            ankle_point,
            _at(sole, -figure.heel, foot),
            _at(sole, figure.toe, foot),
        )
        upper = shoulder_flex - trunk
        elbow = _at(shoulder, figure.upper_arm, upper)
        arms[side] = Arm(elbow, _at(elbow, figure.forearm, upper + elbow_bend))
    return Body(pelvis, shoulder, neck, head, legs, arms)


def _moved(body: Body, dx: float, dy: float) -> Body:
    def m(p: Point) -> Point:
        return (p[0] + dx, p[1] + dy)

    return Body(
        m(body.pelvis),
        m(body.shoulder),
        m(body.neck),
        m(body.head),
        {s: Leg(m(g.knee), m(g.ankle), m(g.heel), m(g.toe)) for s, g in body.legs.items()},
        {s: Arm(m(a.elbow), m(a.hand)) for s, a in body.arms.items()},
    )


def grounded(figure: Figure, pose: RealPose, root: RealSide, root_x: float) -> Body:
    """The body standing on ``root``: its lowest point on the floor, its ankle at x."""
    body = relative_body(figure, pose.trunk, pose.limbs)
    ankle = body.legs[root].ankle
    return _moved(body, root_x - ankle[0], -body.foot_low(root))


def key_body(figure: Figure, pose: RealPose) -> Body:
    return grounded(figure, pose, pose.stance, pose.x)


def _turn(a: float, b: float, t: float) -> float:
    """From angle a to b the short way round (an arm circle crosses ±180)."""
    delta = (b - a + 180) % 360 - 180
    return a + delta * t


def _between(a: RealPose, b: RealPose, t: float) -> RealPose:
    limbs = {
        side: tuple(_turn(x, y, t) for x, y in zip(a.limbs[side], b.limbs[side], strict=True))
        for side in SIDES
    }
    return RealPose(_turn(a.trunk, b.trunk, t), b.stance, b.both_feet, b.x, limbs)


@dataclass(frozen=True, slots=True)
class _Key:
    pose_id: str
    pose: RealPose
    ms: int
    side: RealSide
    count: int | None


def keys_of(book: PoseBook, demo: Demo) -> list[_Key]:
    """The demo's key poses in order, each with its working side and count."""
    keys: list[_Key] = []

    def add(part: tuple[object, ...], side: RealSide, count: int | None) -> None:
        for key in part:
            pose_id, ms = key.pose, key.ms  # type: ignore[attr-defined]
            keys.append(_Key(pose_id, RealPose.of(book.poses[pose_id], side), ms, side, count))

    if demo.alternate:
        side = demo.sides[0]
        add(demo.before, side, None)
        for count in range(1, demo.reps + 1):
            add(demo.rep, side if count % 2 else opposite(side), count)
        add(demo.after, side if demo.reps % 2 else opposite(side), None)
        return keys
    for side in demo.sides:
        add(demo.before, side, None)
        for count in range(1, demo.reps + 1):
            add(demo.rep, side, count)
        add(demo.after, side, None)
    return keys


def common_foot(a: RealPose, b: RealPose) -> RealSide | None:
    """A foot on the floor in both poses (the one to stand on between them)."""
    shared = a.planted() & b.planted()
    if a.stance in shared:
        return a.stance
    if b.stance in shared:
        return b.stance
    return None


def frames(book: PoseBook, demo: Demo) -> list[Frame]:
    """Every frame of the demo, ``book.frame_ms`` apart (a hold is one longer frame)."""
    figure, step = book.figure, book.frame_ms
    keys = keys_of(book, demo)
    first = keys[0]
    out = [Frame(key_body(figure, first.pose), first.side, first.count, max(first.ms, step))]
    for previous, key in itertools.pairwise(keys):
        root = common_foot(previous.pose, key.pose) or key.pose.stance
        start = key_body(figure, previous.pose).legs[root].ankle[0]
        end = key_body(figure, key.pose).legs[root].ankle[0]
        count = max(1, round(key.ms / step))
        for i in range(1, count + 1):
            t = i / count
            pose = _between(previous.pose, key.pose, t)
            body = grounded(figure, pose, root, start + (end - start) * t)
            out.append(Frame(body, key.side, key.count, step))
    return out


def problems(book: PoseBook) -> list[str]:
    """What is wrong with the poses and demos, each naming where (empty: all fine)."""
    found: list[str] = []
    for name, pose in book.poses.items():
        found += [f"poses.{name}: {problem}" for problem in pose.angle_problems()]
    for drill, variants in book.demos.items():
        for variant, demo in variants.items():
            where = f"demos.{drill}.{variant}"
            found += [f"{where}: {p}" for p in demo_problems(book, demo)]
    return found


def demo_problems(book: PoseBook, demo: Demo) -> list[str]:
    figure = book.figure
    keys = keys_of(book, demo)
    found: list[str] = []
    for key in keys:
        body = key_body(figure, key.pose)
        if key.pose.both_feet:
            other = opposite(key.pose.stance)
            gap = body.foot_low(other)
            if abs(gap) > ON_FLOOR_CM:
                found.append(
                    f"pose {key.pose_id}: the {other} foot should be on the floor, "
                    f"it is {gap:+.1f} cm from it"
                )
    for previous, key in itertools.pairwise(keys):
        if common_foot(previous.pose, key.pose) is None:
            found.append(f"from {previous.pose_id} to {key.pose_id}: no foot stays on the floor")
        for side in SIDES:
            turns = zip(JOINTS, previous.pose.limbs[side], key.pose.limbs[side], strict=True)
            for joint, a, b in turns:
                if abs((b - a + 180) % 360 - 180) > 179:
                    found.append(
                        f"from {previous.pose_id} to {key.pose_id}: the {side} {joint} turns "
                        "half a circle, which way round is unclear (add a pose between)"
                    )
    if keys[0].pose.limbs != keys[-1].pose.limbs or keys[0].pose.trunk != keys[-1].pose.trunk:
        found.append(f"the loop does not close: it starts at {keys[0].pose_id}, ends elsewhere")
    lowest: dict[str, float] = {}
    for frame in frames(book, demo):
        for name, (_, y) in frame.body.points().items():
            lowest[name] = min(lowest.get(name, y), y)
        head = frame.body.head[1] - figure.head
        lowest["head"] = min(lowest["head"], head)
    for name, y in sorted(lowest.items()):
        if y < -BELOW_FLOOR_CM:
            found.append(f"the {name.replace('.', ' ')} goes {-y:.1f} cm below the floor")
    return found
