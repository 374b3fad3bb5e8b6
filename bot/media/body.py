"""The where-to-roll picture (Pillow): a body outline from the front and the back, each
planned area marked in orange and numbered, and the numbers explained underneath.

The outline is drawing, so it lives here; where each area sits is content
(content/body_map.yaml), so a new area is a line there.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

from PIL import Image, ImageDraw, ImageFont
from pydantic import Field

from bot.core.content import Frozen, NonEmpty, Template
from bot.core.drawings import BodyMap, Spot

View = Literal["front", "back"]

WIDTH = 800
VIEW_TOP = 90
VIEW_HEIGHT = 560
LEGEND_ROW = 54
BACKGROUND = (250, 249, 245)
BODY = (228, 224, 216)
OUTLINE = (140, 134, 124)
MARK = (222, 88, 20, 190)
TEXT = (30, 34, 40)
NUMBER = (255, 255, 255)

# Half the outline, x from the midline and y from the top of the head (0) to the soles
# (100); mirrored for the other half. The arms are drawn on their own.
_HALF = [
    (3.5, 12.5), (4.5, 15.5), (15, 17.5), (14.5, 30), (12.5, 40), (15.5, 48), (16.5, 53),
    (13.5, 74), (10.5, 95), (12.5, 99.5), (4.5, 99.5), (5, 95), (4.5, 74), (1.2, 55), (0, 55),
]  # fmt: skip
_ARM = [(15, 17.5), (19.5, 19), (22.5, 46), (19.5, 47.5), (15.5, 25)]
_HEAD = (6, 6, 6.5)  # centre height, half-width, half-height


class AreaMark(Frozen):
    view: View
    x: float = Field(ge=0, le=30)
    y: float = Field(ge=0, le=100)
    w: float = Field(gt=0, le=30)
    h: float = Field(gt=0, le=30)


class BodyMapWords(Frozen):
    title: NonEmpty
    front: NonEmpty
    back: NonEmpty
    left: NonEmpty
    right: NonEmpty
    alt: Template  # {spots}


class BodyMapContent(Frozen):
    words: BodyMapWords
    areas: dict[str, AreaMark]


def _sides(spot: Spot, mark: AreaMark) -> list[int]:
    """Which way from the midline to mark, as the runner's own side: +1 left, -1 right."""
    if mark.x == 0:
        return [0]
    if spot.side == "left":
        return [1]
    if spot.side == "right":
        return [-1]
    return [1, -1]  # both sides, or a side not given


class _Scale:
    def __init__(self, centre: float) -> None:
        self.centre = centre
        self.unit = VIEW_HEIGHT / 104

    def x(self, offset: float, runner_side: int, view: View) -> float:
        # From the front the runner's left is on our right; from the back, on our left.
        sign = runner_side if view == "front" else -runner_side
        return self.centre + sign * offset * self.unit

    def y(self, height: float) -> float:
        return VIEW_TOP + height * self.unit


def _outline(draw: ImageDraw.ImageDraw, scale: _Scale) -> None:
    def mirror(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        right = [(scale.centre + x * scale.unit, scale.y(y)) for x, y in points]
        left = [(scale.centre - x * scale.unit, scale.y(y)) for x, y in reversed(points)]
        return right + left

    for sign in (1, -1):
        arm = [(scale.centre + sign * x * scale.unit, scale.y(y)) for x, y in _ARM]
        draw.polygon(arm, fill=BODY, outline=OUTLINE, width=3)
    draw.polygon(mirror(_HALF), fill=BODY, outline=OUTLINE, width=3)
    cy, hw, hh = _HEAD
    u = scale.unit
    box = (scale.centre - hw * u, scale.y(cy - hh), scale.centre + hw * u, scale.y(cy + hh))
    draw.ellipse(box, fill=BODY, outline=OUTLINE, width=3)


def render(drawing: BodyMap, content: BodyMapContent) -> bytes:
    """The picture as PNG bytes."""
    words = content.words
    height = VIEW_TOP + VIEW_HEIGHT + 30 + LEGEND_ROW * len(drawing.spots) + 10
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=38)
    font = ImageFont.load_default(size=30)
    small = ImageFont.load_default(size=26)
    draw.text((WIDTH / 2, 14), drawing.title, font=title_font, fill=TEXT, anchor="mt")
    scales: dict[View, _Scale] = {"front": _Scale(WIDTH * 0.27), "back": _Scale(WIDTH * 0.73)}
    for view, scale in scales.items():
        _outline(draw, scale)
        name = words.front if view == "front" else words.back
        draw.text((scale.centre, VIEW_TOP - 8), name, font=font, fill=TEXT, anchor="mb")
        # The runner's left and right under each view, so the mirror is never a puzzle.
        bottom = scale.y(101)
        for side, word in ((1, words.left), (-1, words.right)):
            x = scale.x(17, side, view)
            draw.text((x, bottom), word, font=small, fill=OUTLINE, anchor="mt")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    marks = ImageDraw.Draw(overlay)
    centres: list[tuple[int, float, float]] = []
    for number, spot in enumerate(drawing.spots, start=1):
        mark = content.areas[spot.area]
        scale = scales[mark.view]
        for side in _sides(spot, mark):
            x, y = scale.x(mark.x, side or 1, mark.view), scale.y(mark.y)
            rx, ry = mark.w * scale.unit, mark.h * scale.unit
            marks.ellipse((x - rx, y - ry, x + rx, y + ry), fill=MARK)
            centres.append((number, x, y))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(image)
    for number, x, y in centres:
        draw.ellipse((x - 16, y - 16, x + 16, y + 16), fill=TEXT)
        draw.text((x, y), str(number), font=small, fill=NUMBER, anchor="mm")
    top = VIEW_TOP + VIEW_HEIGHT + 30
    for number, spot in enumerate(drawing.spots, start=1):
        y = top + (number - 1) * LEGEND_ROW + LEGEND_ROW / 2
        draw.ellipse((60 - 18, y - 18, 60 + 18, y + 18), fill=TEXT)
        draw.text((60, y), str(number), font=small, fill=NUMBER, anchor="mm")
        draw.text((96, y), spot.label, font=font, fill=TEXT, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
