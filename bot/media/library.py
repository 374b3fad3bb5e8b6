"""The coach's pictures, as the adapters ask for them (the core's ``Pictures`` port),
and the image references the features put in their replies.

A drill demo or body map is drawn on first use, off the event loop, then kept: on disk
under the cache folder, named by the hash of the content it was drawn from, and in
memory. Two chats asking for the same new picture at once wait for one drawing. A
runner's /progress is drawn every time and never kept: it is about them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.drawings import BodyMap, DrillDemo, ProgressChart, Spot, Variant
from bot.core.messages import ImageKind, ImageRef
from bot.core.ports import Picture
from bot.core.wording import join_words
from bot.media import body, chart, demo
from bot.media.body import BodyMapContent
from bot.media.cache import DiskCache
from bot.media.poses import PoseBook

log = logging.getLogger(__name__)

# Part of every cached picture's hash: raise it when the drawing code changes what it
# draws, so pictures drawn by the older code are drawn again.
DRAWING_VERSION = 1
KEPT_IN_MEMORY = 64


@dataclass(frozen=True, slots=True)
class MediaContent:
    poses: PoseBook
    body_map: BodyMapContent


def _digest(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class DemoRefs:
    """The core's ``DrillDemos``: a drill variant's animation, with its alt text."""

    def __init__(self, poses: PoseBook) -> None:
        self.poses = poses

    def __call__(self, drill: str, variant: Variant) -> ImageRef | None:
        found = self.poses.demo(drill, variant)
        if found is None:
            return None
        return ImageRef(
            f"{drill}-{variant}.gif",
            found.alt,
            ImageKind.ANIMATION,
            drawing=DrillDemo(drill, variant),
        )


def every_demo(poses: PoseBook, drills: Sequence[str]) -> list[ImageRef]:
    """The demo of each of ``drills``, standard and gentle, where there is one."""
    refs = DemoRefs(poses)
    variants: tuple[Variant, ...] = ("standard", "gentle")
    return [ref for drill in drills for v in variants if (ref := refs(drill, v)) is not None]


class RollPictures:
    """The core's ``WhereToRoll``: the body map for a plan's spots, with its alt text."""

    def __init__(self, content: BodyMapContent) -> None:
        self.content = content

    def __call__(self, spots: Sequence[Spot]) -> ImageRef:
        words = self.content.words
        shown = tuple(spot for spot in spots if spot.area in self.content.areas)
        alt = words.alt.format(spots=join_words([spot.label for spot in shown]))
        return ImageRef("where-to-roll.png", alt, drawing=BodyMap(shown, words.title))


class MediaLibrary:
    """The core's ``Pictures``: files shipped in content/, and the pictures drawn here."""

    def __init__(
        self,
        content_dir: Path,
        media: MediaContent | None = None,
        cache_dir: Path | None = None,
        *,
        canvas: demo.Canvas = demo.CANVAS,
    ) -> None:
        self._content_dir = content_dir.resolve()
        self._media = media
        self._cache = DiskCache(cache_dir) if cache_dir is not None else None
        self._canvas = canvas
        self._memory: OrderedDict[str, Picture] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    # --- names ---

    def reuse_name(self, image: ImageRef) -> str | None:
        drawing = image.drawing
        if drawing is None:
            path = self._content_file(image.path)
            if path is None:
                return None
            stat = path.stat()
            return f"file:{image.path}:{stat.st_size}:{stat.st_mtime_ns}"
        if isinstance(drawing, DrillDemo):
            return self._demo_name(drawing)
        if isinstance(drawing, BodyMap):
            return self._body_name(drawing)
        return None  # a runner's progress: drawn for them, once

    def _demo_name(self, drawing: DrillDemo) -> str | None:
        media = self._media
        found = media.poses.demo(drawing.drill, drawing.variant) if media else None
        if media is None or found is None:
            return None
        poses = media.poses
        used = {key.pose for key in (*found.before, *found.rep, *found.after)}
        digest = _digest(
            {
                "version": DRAWING_VERSION,
                "canvas": dataclasses.asdict(self._canvas),
                "figure": poses.figure.model_dump(),
                "frame_ms": poses.frame_ms,
                "words": poses.words.model_dump(),
                "demo": found.model_dump(),
                "poses": {name: poses.poses[name].model_dump() for name in sorted(used)},
            }
        )
        return f"{drawing.drill}-{drawing.variant}-{digest}.gif"

    def _body_name(self, drawing: BodyMap) -> str | None:
        if self._media is None:
            return None
        content = self._media.body_map
        marks = {spot.area: content.areas[spot.area].model_dump() for spot in drawing.spots}
        digest = _digest(
            {
                "version": DRAWING_VERSION,
                "map": dataclasses.asdict(drawing),
                "marks": marks,
                "words": content.words.model_dump(),
            }
        )
        return f"where-to-roll-{digest}.png"

    # --- pictures ---

    async def picture(self, image: ImageRef) -> Picture | None:
        """The picture's bytes (drawn or read on first use); ``None``, logged, when it
        can't be had, so the caller sends the text alone."""
        try:
            name = self.reuse_name(image)
        except OSError:
            name = None
        if name is not None:
            kept = self._memory.get(name)
            if kept is not None and (kept.path is None or kept.path.exists()):
                self._memory.move_to_end(name)
                return kept
        lock = self._locks.setdefault(name or "", asyncio.Lock()) if name else asyncio.Lock()
        async with lock:
            kept = self._memory.get(name) if name else None
            if kept is not None and (kept.path is None or kept.path.exists()):
                return kept
            try:
                made = await asyncio.to_thread(self._make, image, name)
            except Exception:
                log.exception("picture_failed path=%s", image.path)
                return None
        if made is not None and name is not None:
            self._memory[name] = made
            while len(self._memory) > KEPT_IN_MEMORY:
                self._memory.popitem(last=False)
        return made

    async def prepare(self, images: Sequence[ImageRef]) -> int:
        """Have ``images`` ready before anyone asks: each one not on disk yet is drawn,
        one at a time, in a worker thread, so the event loop carries on (a runner's
        request for one being drawn waits for that drawing, never for a second one).
        Returns how many were drawn or read; a failure is logged and the rest go on."""
        ready = 0
        started = time.perf_counter()
        for image in images:
            if await self.picture(image) is not None:
                ready += 1
            await asyncio.sleep(0)  # let waiting steps in between drawings
        log.info(
            "pictures_prepared count=%d of=%d ms=%.0f",
            ready,
            len(images),
            (time.perf_counter() - started) * 1000,
        )
        return ready

    def _make(self, image: ImageRef, name: str | None) -> Picture | None:
        drawing = image.drawing
        if drawing is None:
            path = self._content_file(image.path)
            if path is None:
                log.warning("picture_missing path=%s", image.path)
                return None
            return Picture(path.name, path.read_bytes(), path, name)
        if isinstance(drawing, ProgressChart):
            return Picture(image.path, chart.render(drawing))
        media = self._media
        if media is None or name is None:
            return None
        if isinstance(drawing, DrillDemo):
            found = media.poses.demo(drawing.drill, drawing.variant)
            assert found is not None  # it has a name
            replaces = f"{drawing.drill}-{drawing.variant}-"
            return self._kept(
                image, name, lambda: demo.render(media.poses, found, self._canvas), replaces
            )
        return self._kept(image, name, lambda: body.render(drawing, media.body_map), None)

    def _kept(self, image: ImageRef, name: str, draw: object, replaces: str | None) -> Picture:
        cache = self._cache
        data = cache.read(name) if cache is not None else None
        if data is None:
            data = draw()  # type: ignore[operator]
            assert isinstance(data, bytes)
            if cache is not None:
                cache.write(name, data, replaces=replaces)
                log.info("picture_drawn name=%s bytes=%d", name, len(data))
        path = cache.path(name) if cache is not None else None
        return Picture(image.path, data, path, name)

    def _content_file(self, relative: str) -> Path | None:
        path = (self._content_dir / relative).resolve()
        if not path.is_relative_to(self._content_dir) or not path.is_file():
            return None
        return path
