"""A drill demo as a small looping GIF (Pillow): the side view, a clear floor line, the
working leg in its own colour, and the working side with the count above.

Pure: frames in, bytes out. Lines are drawn without smoothing and every frame shares
one small palette, so consecutive frames differ only where the figure moved, and the
GIF stores little more than that.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.media.motion import Body, Frame, Point, frames
from bot.media.poses import Demo, PoseBook, Support

BACKGROUND = (250, 249, 245)
FLOOR = (70, 74, 82)
NEAR = (40, 46, 56)
FAR = (150, 156, 166)
WORK = (222, 88, 20)  # the working leg: orange, darker than the far limbs in grey too
WORK_FAR = (240, 160, 110)
SUPPORT = (186, 160, 120)
TEXT = (30, 34, 40)
SUPPORT_WIDTH_CM = 5


@dataclass(frozen=True, slots=True)
class Canvas:
    width: int = 400
    height: int = 320
    caption: int = 74  # pixels above the figure for the words
    margin: int = 14


CANVAS = Canvas()


def _palette() -> Image.Image:
    colours = [BACKGROUND, FLOOR, NEAR, FAR, WORK, WORK_FAR, SUPPORT, TEXT]
    # Text is smoothed: shades from the background to the text colour keep its edges.
    for step in range(1, 8):
        t = step / 8
        r, g, b = (round(bg + (fg - bg) * t) for bg, fg in zip(BACKGROUND, TEXT, strict=True))
        colours.append((r, g, b))
    flat = [channel for colour in colours for channel in colour]
    image = Image.new("P", (1, 1))
    # Sixteen entries: the GIF then codes each pixel in 4 bits.
    image.putpalette(flat + flat[:3] * (16 - len(colours)))
    return image


_PALETTE = _palette()


class _View:
    """Centimetres in the scene to pixels: the whole demo fits, the floor stays put."""

    def __init__(
        self, bodies: Sequence[Body], canvas: Canvas, head: float, post: Support | None
    ) -> None:
        xs = [p[0] for body in bodies for p in body.points().values()]
        top = max(max(p[1] for p in body.points().values()) for body in bodies) + head
        if post is not None:
            xs.append(post.x)
            top = max(top, post.height)
        left, right = min(xs) - head, max(xs) + head
        room_w = canvas.width - 2 * canvas.margin
        self.floor = canvas.height - canvas.margin - 6
        room_h = self.floor - canvas.caption
        self.scale = min(room_w / (right - left), room_h / top)
        self.left = canvas.width / 2 - (left + right) / 2 * self.scale

    def __call__(self, point: Point) -> tuple[float, float]:
        return (self.left + point[0] * self.scale, self.floor - point[1] * self.scale)


def _limb(
    draw: ImageDraw.ImageDraw,
    points: Sequence[tuple[float, float]],
    colour: tuple[int, int, int],
    width: int,
) -> None:
    draw.line(list(points), fill=colour, width=width, joint="curve")
    radius = width / 2
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _draw_body(
    draw: ImageDraw.ImageDraw, body: Body, frame: Frame, view: _View, head: float
) -> None:
    width = max(4, round(7 * view.scale))
    near, far = "right", "left"  # facing right, the runner's right side faces us

    def leg_colour(side: str) -> tuple[int, int, int]:
        if side == frame.side:
            return WORK if side == near else WORK_FAR
        return NEAR if side == near else FAR

    def leg(side: str) -> None:
        g = body.legs[side]  # type: ignore[index]
        _limb(draw, [view(body.pelvis), view(g.knee), view(g.ankle)], leg_colour(side), width)
        _limb(draw, [view(g.heel), view(g.toe)], leg_colour(side), max(3, width - 2))
        _limb(draw, [view(g.ankle), view(g.heel)], leg_colour(side), max(3, width - 2))

    def arm(side: str) -> None:
        a = body.arms[side]  # type: ignore[index]
        colour = NEAR if side == near else FAR
        _limb(draw, [view(body.shoulder), view(a.elbow), view(a.hand)], colour, max(3, width - 1))

    arm(far)
    leg(far)
    _limb(draw, [view(body.pelvis), view(body.shoulder), view(body.neck)], NEAR, width + 2)
    x, y = view(body.head)
    r = head * view.scale
    draw.ellipse(
        (x - r, y - r, x + r, y + r), fill=BACKGROUND, outline=NEAR, width=max(3, width - 2)
    )
    leg(near)
    arm(near)


def render(book: PoseBook, demo: Demo, canvas: Canvas = CANVAS) -> bytes:
    """The demo as GIF bytes, looping for ever."""
    timeline = frames(book, demo)
    head = book.figure.head
    post = demo.support
    view = _View([f.body for f in timeline], canvas, head, post)
    label_font = ImageFont.load_default(size=max(12, canvas.caption * 22 // 74))
    count_font = ImageFont.load_default(size=max(14, canvas.caption * 34 // 74))
    words = book.words
    images = []
    for frame in timeline:
        image = Image.new("RGB", (canvas.width, canvas.height), BACKGROUND)
        draw = ImageDraw.Draw(image)
        if post is not None:
            left, top = view((post.x - SUPPORT_WIDTH_CM / 2, post.height))
            right, bottom = view((post.x + SUPPORT_WIDTH_CM / 2, 0))
            draw.rectangle((left, top, right, bottom), fill=SUPPORT)
        draw.line((0, view.floor, canvas.width, view.floor), fill=FLOOR, width=3)
        _draw_body(draw, frame.body, frame, view, head)
        label = demo.label.format(side=words.sides[frame.side])
        draw.text((canvas.width / 2, 8), label, font=label_font, fill=TEXT, anchor="mt")
        if frame.count is not None:
            count = words.count.format(count=frame.count, total=demo.reps)
            draw.text(
                (canvas.width / 2, canvas.caption - 6),
                count,
                font=count_font,
                fill=TEXT,
                anchor="mb",
            )
        images.append(image.quantize(palette=_PALETTE, dither=Image.Dither.NONE))
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=[frame.ms for frame in timeline],
        loop=0,
        disposal=1,
        optimize=False,  # the palette is ours already; remapping it costs seconds
    )
    return out.getvalue()
