"""Pictures drawn on first use and kept on disk: every demo is a small looping GIF, a
broken or missing file is drawn again, and nothing half-written is ever sent."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from bot.content import Content
from bot.core.drawings import Spot
from bot.core.messages import ImageKind
from bot.media import cache, demo
from bot.media.cache import sound
from bot.media.demo import Canvas
from bot.media.library import DemoRefs, MediaLibrary, RollPictures, every_demo

MAX_DEMO_BYTES = 1024 * 1024
SMALL = Canvas(width=120, height=100, caption=28, margin=4)


async def test_every_drill_and_variant_is_a_small_looping_animation(
    content: Content, pictures: MediaLibrary
) -> None:
    demos = DemoRefs(content.media.poses)
    for drill in content.drills.drills:
        for variant in ("standard", "gentle"):
            ref = demos(drill.id, variant)
            assert ref is not None
            assert ref.kind is ImageKind.ANIMATION
            assert ref.alt == content.media.poses.demos[drill.id][variant].alt
            picture = await pictures.picture(ref)
            assert picture is not None
            assert len(picture.data) < MAX_DEMO_BYTES, (drill.id, variant, len(picture.data))
            with Image.open(io.BytesIO(picture.data)) as gif:
                assert gif.format == "GIF"
                assert getattr(gif, "n_frames", 1) > 1
                assert gif.info.get("loop") == 0  # for ever
            assert picture.path is not None
            assert picture.path.read_bytes() == picture.data


async def test_a_broken_or_missing_file_is_drawn_again(content: Content, tmp_path: Path) -> None:
    ref = DemoRefs(content.media.poses)("toy_soldiers", "gentle")
    assert ref is not None
    first = await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(
        ref
    )
    assert first is not None
    assert first.path is not None
    path = first.path
    path.write_bytes(first.data[: len(first.data) // 2])  # cut off, as by a full disk

    again = await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(
        ref
    )
    assert again is not None
    assert again.data == first.data
    assert sound(path.read_bytes())

    path.unlink()
    third = await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(
        ref
    )
    assert third is not None
    assert path.read_bytes() == first.data
    # No temporary file left: the picture, and the digest that vouches for it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, f"{path.name}.sha256"]


async def test_changed_poses_make_a_new_file_in_place_of_the_old(
    content: Content, tmp_path: Path
) -> None:
    ref = DemoRefs(content.media.poses)("toy_soldiers", "gentle")
    assert ref is not None
    before = MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL)
    old = await before.picture(ref)
    poses = content.media.poses
    slower = poses.model_copy(update={"frame_ms": poses.frame_ms + 20})
    media = type(content.media)(poses=slower, body_map=content.media.body_map)
    after = MediaLibrary(content.directory, media, tmp_path, canvas=SMALL)
    assert after.reuse_name(ref) != before.reuse_name(ref)
    new = await after.picture(ref)
    assert old is not None
    assert new is not None
    assert new.path is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == [new.path.name, f"{new.path.name}.sha256"]


async def test_the_where_to_roll_picture_marks_the_spots_it_names(
    content: Content, pictures: MediaLibrary
) -> None:
    spots = [Spot("glutes", "left", "left glute"), Spot("lower_back", None, "lower back")]
    ref = RollPictures(content.media.body_map)(spots)
    assert "left glute and lower back" in ref.alt
    picture = await pictures.picture(ref)
    assert picture is not None
    with Image.open(io.BytesIO(picture.data)) as png:
        assert png.format == "PNG"
        width, _ = png.size
        # The left glute is marked on the back view's left half, the right one is not.
        back_left = png.getpixel((int(width * 0.73) - 40, 370))
        back_right = png.getpixel((int(width * 0.73) + 40, 370))
    assert back_left != back_right


async def test_a_picture_that_cannot_be_had_is_none(content: Content) -> None:
    library = MediaLibrary(content.directory)  # no drawings: the text goes alone
    ref = DemoRefs(content.media.poses)("toy_soldiers", "standard")
    assert ref is not None
    assert await library.picture(ref) is None


async def test_prepared_demos_are_drawn_ahead_and_first_use_draws_nothing(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demos = every_demo(content.media.poses, [d.id for d in content.drills.drills])
    assert len(demos) == 2 * len(content.drills.drills)  # every drill, standard and gentle
    library = MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL)

    # The loop carries on while they are drawn: here it turns hundreds of times.
    preparing = asyncio.create_task(library.prepare(demos))
    turns = 0
    while not preparing.done():
        await asyncio.sleep(0)
        turns += 1
    assert await preparing == len(demos)
    assert turns > 10 * len(demos)

    def no_drawing(*_: object) -> bytes:
        raise AssertionError("drawn again")

    monkeypatch.setattr(demo, "render", no_drawing)
    fresh = MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL)
    for ref in demos:
        assert await fresh.picture(ref) is not None  # read from disk


async def test_a_demo_that_fails_to_draw_does_not_stop_the_others(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demos = every_demo(content.media.poses, [d.id for d in content.drills.drills])
    real = demo.render
    calls: list[int] = []

    def first_fails(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk on fire")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(demo, "render", first_fails)
    library = MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL)
    assert await library.prepare(demos) == len(demos) - 1
    # The one that failed is drawn when it is first asked for, as before.
    assert await library.picture(demos[0]) is not None


async def test_a_file_that_matches_its_digest_is_not_decoded_again(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = DemoRefs(content.media.poses)("toy_soldiers", "standard")
    assert ref is not None
    first = await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(
        ref
    )
    assert first is not None
    assert first.path is not None
    decoded: list[int] = []

    def counted(data: bytes) -> bool:
        decoded.append(len(data))
        return True

    monkeypatch.setattr(cache, "sound", counted)
    again = await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(
        ref
    )
    assert again is not None
    assert again.data == first.data
    assert decoded == []  # the digest vouched for it

    # A digest that no longer matches (the file changed under it): decoded in full.
    first.path.with_name(first.path.name + ".sha256").write_text("0" * 64)
    await MediaLibrary(content.directory, content.media, tmp_path, canvas=SMALL).picture(ref)
    assert decoded == [len(first.data)]
