"""Drill demos and pictures: time and size of each file, drawn cold and then read from
the cache, and the whole set's total.

Cold: an empty cache folder and a new library, so every demo is drawn (Pillow) and the
where-to-roll and /progress pictures too. Cached: a second library on the same folder
(nothing in memory), then the same library again (in memory). Targets: each file under
1 MB and 2 s, the whole set under 20 s cold on one core, ~0 ms once cached. Run:
`taskset -c 0 python bench/media.py` to hold it to one core. ``--stills DIR`` also saves
each demo's first, middle and last frame as PNG, a sheet of twelve frames across the
whole move, and the pictures, into DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.content import Content, load_content
from bot.core.drawings import ChartWords, ProgressChart, Spot
from bot.core.messages import ImageRef
from bot.media.library import DemoRefs, MediaLibrary, RollPictures

ROOT = Path(__file__).resolve().parents[1]
SHEET_FRAMES = 12  # four across, three down


def references(content: Content) -> list[ImageRef]:
    """Every drill demo, a three-spot where-to-roll map, and a sample /progress."""
    demos = DemoRefs(content.media.poses)
    refs = [
        ref
        for drill in content.drills.drills
        for variant in ("standard", "gentle")
        if (ref := demos(drill.id, variant)) is not None
    ]
    spots = [
        Spot("glutes", "left", "left glute"),
        Spot("outer_thigh", "left", "left outer thigh"),
        Spot("calves", "both", "calf (both sides)"),
    ]
    refs.append(RollPictures(content.media.body_map)(spots))
    refs.append(ImageRef("progress.png", "sample progress", drawing=_sample_chart(content)))
    return refs


def _sample_chart(content: Content) -> ProgressChart:
    words = content.progress.chart
    today = date(2026, 11, 25)
    days = tuple(today - timedelta(days=n) for n in (0, 1, 2, 4, 5, 8, 9, 12, 15, 20, 23, 30))
    morning = datetime(2026, 11, 25, 7, tzinfo=UTC)
    soreness = tuple((morning - timedelta(days=n), (n // 4) % 7) for n in range(50, -1, -3))
    return ProgressChart(
        today=today,
        weeks=8,
        warmup_days=tuple(sorted(days)),
        soreness=soreness,
        areas=(("left glute", 4), ("outer thigh", 2), ("calf", 1)),
        words=ChartWords(
            calendar_title=words.calendar_title.format(weeks=8),
            soreness_title=words.soreness_title,
            areas_title=words.areas_title.format(window=14),
            no_checkins=words.no_checkins,
            no_areas=words.no_areas,
            weekdays=words.weekdays,
            days_axis=words.days_axis,
        ),
    )


async def timed(library: MediaLibrary, ref: ImageRef) -> tuple[float, int, Path | None, bytes]:
    started = time.perf_counter()
    picture = await library.picture(ref)
    elapsed = time.perf_counter() - started
    if picture is None:
        raise SystemExit(f"{ref.path}: no picture")
    return elapsed, len(picture.data), picture.path, picture.data


def save_stills(name: str, data: bytes, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        if frames == 1:
            path = folder / f"{name}.png"
            image.save(path)
            return [path]
        for label, index in (("first", 0), ("middle", frames // 2), ("last", frames - 1)):
            image.seek(index)
            path = folder / f"{name}-{label}.png"
            image.convert("RGB").save(path)
            saved.append(path)
        # The first, middle and last frames of a drill are often its standing start, its
        # change of sides and its standing end: a sheet of twelve shows the move itself.
        width, height = image.size
        sheet = Image.new("RGB", (width * 2, height * 3 // 2), "white")
        for number in range(SHEET_FRAMES):
            image.seek(number * (frames - 1) // (SHEET_FRAMES - 1))
            frame = image.convert("RGB").resize((width // 2, height // 2))
            sheet.paste(frame, ((number % 4) * width // 2, (number // 4) * height // 2))
        path = folder / f"{name}-sheet.png"
        sheet.save(path)
        saved.append(path)
    return saved


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stills", type=Path, help="save stills of every picture here")
    args = parser.parse_args()
    content = load_content(ROOT / "content")
    refs = references(content)
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        cold = MediaLibrary(content.directory, content.media, cache)
        warm = MediaLibrary(content.directory, content.media, cache)
        print(
            f"{'picture':34} {'KiB':>7} {'frames':>6} {'cold ms':>8} {'disk ms':>8} {'mem ms':>7}"
        )
        total_cold = 0.0
        for ref in refs:
            cold_s, size, _, data = await timed(cold, ref)
            disk_s, *_ = await timed(warm, ref)
            memory_s, *_ = await timed(warm, ref)
            total_cold += cold_s
            with Image.open(io.BytesIO(data)) as image:
                frames = getattr(image, "n_frames", 1)
            kept = "" if cold.reuse_name(ref) else "  (drawn every time: about the runner)"
            print(
                f"{ref.path:34} {size / 1024:7.0f} {frames:6d} {cold_s * 1000:8.0f} "
                f"{disk_s * 1000:8.1f} {memory_s * 1000:7.2f}{kept}"
            )
            if args.stills is not None:
                save_stills(Path(ref.path).stem, data, args.stills)
        print(f"whole set cold: {total_cold:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
