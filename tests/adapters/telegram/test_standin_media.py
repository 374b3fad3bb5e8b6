"""The stand-in holds uploads to the Bot API's documented limits ("Bots can currently send
animation files of up to 50 MB"; a photo "must be at most 10 MB", "width and height must
not exceed 10000 in total", "ratio must be at most 20"; captions "0-1024 characters after
entities parsing"), and nothing the coach draws comes near them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.content import Content
from bot.core.drawings import ChartWords, ProgressChart, Spot
from bot.core.messages import ImageRef
from bot.media.library import MediaLibrary, RollPictures, every_demo
from tests.standins.telegram_rules import (
    MAX_PHOTO_BYTES,
    MAX_UPLOAD_BYTES,
    Rejected,
    Upload,
    check_request,
)

GIF = b"GIF89a" + b"\0" * 64
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")  # one bit a pixel: tiny files
    return out.getvalue()


def upload(field: str, data: bytes) -> dict[str, Upload]:
    return {field: Upload(field, f"{field}.bin", "application/octet-stream", data)}


def send(method: str, field: str, data: bytes, **params: str) -> None:
    check_request(method, {"chat_id": "42", **params}, upload(field, data))


@pytest.mark.parametrize(
    ("method", "field", "data", "params", "reason"),
    [
        ("sendAnimation", "animation", GIF + b"\0" * MAX_UPLOAD_BYTES, {}, "Too Large"),
        ("sendAnimation", "animation", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, {}, "GIF or MP4"),
        ("sendAnimation", "animation", b"", {}, "non-empty"),
        ("sendAnimation", "animation", GIF, {"caption": "c" * 1025}, "caption is too long"),
        ("sendAnimation", "animation", GIF, {"caption": "🏃" * 513}, "caption is too long"),
        (
            "sendAnimation",
            "animation",
            GIF,
            {"caption": "<b>" + "c" * 1025 + "</b>", "parse_mode": "HTML"},
            "caption is too long",
        ),
        ("sendPhoto", "photo", png(10, 10) + b"\0" * MAX_PHOTO_BYTES, {}, "Too Large"),
        ("sendPhoto", "photo", png(9000, 1001), {}, "PHOTO_INVALID_DIMENSIONS"),
        ("sendPhoto", "photo", png(2100, 100), {}, "PHOTO_INVALID_DIMENSIONS"),
        ("sendPhoto", "photo", b"not a picture", {}, "IMAGE_PROCESS_FAILED"),
    ],
)
def test_uploads_beyond_the_documented_limits_are_refused(
    method: str, field: str, data: bytes, params: dict[str, str], reason: str
) -> None:
    with pytest.raises(Rejected, match=reason):
        send(method, field, data, **params)


def test_uploads_at_the_limits_are_accepted() -> None:
    send("sendAnimation", "animation", GIF + b"\0" * (MAX_UPLOAD_BYTES - len(GIF)))
    send("sendAnimation", "animation", MP4, caption="c" * 1024)
    send("sendAnimation", "animation", GIF, caption="<b>" + "c" * 1024 + "</b>", parse_mode="HTML")
    send("sendPhoto", "photo", png(9000, 1000))
    send("sendPhoto", "photo", png(2000, 100))  # a ratio of exactly 20
    send("sendPhoto", "photo", png(100, 2000), caption="🏃" * 512)


async def test_every_picture_the_coach_draws_is_within_telegrams_limits(
    content: Content, pictures: MediaLibrary
) -> None:
    demos = every_demo(content.media.poses, [d.id for d in content.drills.drills])
    for ref in demos:
        picture = await pictures.picture(ref)
        assert picture is not None
        send("sendAnimation", "animation", picture.data)
        assert len(picture.data) < 1024 * 1024  # the coach's own target: under 1 MB
    spots = [Spot("glutes", "left", "left glute"), Spot("calves", "both", "calves")]
    words = content.progress.chart
    chart = ProgressChart(
        today=date(2026, 11, 25),
        weeks=8,
        warmup_days=(),
        soreness=(),
        areas=(),
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
    for ref in (
        RollPictures(content.media.body_map)(spots),
        ImageRef("progress.png", "progress", drawing=chart),
    ):
        picture = await pictures.picture(ref)
        assert picture is not None
        send("sendPhoto", "photo", picture.data)
