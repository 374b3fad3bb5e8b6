"""Splitting, keyboard rows and command parsing, without a network."""

from __future__ import annotations

import pytest

from bot.adapters.telegram.inbound import parse_command
from bot.adapters.telegram.render import (
    MAX_TEXT,
    fit,
    formatted,
    keyboard_rows,
    split_text,
    utf16_len,
    with_pressed_mark,
)
from bot.core.messages import Command
from tests.standins.telegram_rules import parse_html


def test_short_text_is_one_part() -> None:
    assert split_text("Loose hips, happy runs.") == ["Loose hips, happy runs."]


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    para = "a" * 30
    assert split_text(f"{para}\n\n{para}", limit=40) == [para, para]
    assert split_text(f"{para}\n{para}", limit=40) == [para, para]
    assert (
        split_text("word " * 20, limit=22)
        == ["word word word word", "word word word word"] + ["word word word word"] * 3
    )


def test_an_unbroken_run_is_cut_hard_and_nothing_is_lost() -> None:
    text = "x" * 10_000
    parts = split_text(text)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_limits_count_utf16_units_so_emoji_count_twice() -> None:
    text = "🏃" * 3000  # 6,000 UTF-16 units
    parts = split_text(text)
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts) == text  # and no emoji is cut in half


def test_blank_text_gives_no_parts() -> None:
    assert split_text("  \n\n ") == []


def test_fit_adds_an_ellipsis_only_when_needed() -> None:
    assert fit("short", 10) == "short"
    assert fit("a long notice text", 10) == "a long no…"
    assert utf16_len(fit("🏃" * 200, 200)) <= 200


def test_pressed_mark_is_added_below_unless_it_would_overflow() -> None:
    assert with_pressed_mark("Drill 1", "» Done") == "Drill 1\n\n» Done"
    assert with_pressed_mark("x" * 4090, "» Done") is None


@pytest.mark.parametrize(
    ("labels", "rows"),
    [
        (["Done", "Skip", "Stop"], [[0, 1, 2]]),
        (["Yes, something's sharp", "No, just stiff or fine"], [[0], [1]]),
        ([str(n) for n in range(11)], [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]),
        ([str(n) for n in range(20)], [list(range(k, k + 5)) for k in (0, 5, 10, 15)]),
        (["Warm up", "Help", "A very long label indeed", "Skip"], [[0, 1], [2], [3]]),
    ],
)
def test_keyboard_rows(labels: list[str], rows: list[list[int]]) -> None:
    assert keyboard_rows(labels) == rows


def test_no_row_is_wider_than_eight_or_the_screen() -> None:
    rows = keyboard_rows(["ok"] * 100)
    assert sum(len(r) for r in rows) == 100
    assert max(len(r) for r in rows) <= 8


def test_more_than_a_hundred_buttons_is_refused() -> None:
    with pytest.raises(ValueError, match="100"):
        keyboard_rows(["ok"] * 101)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/warmup", Command("warmup")),
        ("/WarmUp@HipCoachBot", Command("warmup")),
        (
            "/tight@hipcoachbot left glute,  outer thigh",
            Command("tight", "left glute,  outer thigh"),
        ),
        ("/tight\nleft glute", Command("tight", "left glute")),
        ("/start deep-link-payload", Command("start", "deep-link-payload")),
        ("/help@OtherBot", None),
    ],
)
def test_parse_command(text: str, command: Command | None) -> None:
    assert parse_command(text, "HipCoachBot") == command


def test_bold_parts_are_wrapped_and_everything_else_escaped() -> None:
    name = 'Tom <b>& "Jerry"</b> 🏃‍♀️'
    text = f"Drill 1: {name}\nStand tall & breathe <3"
    shown, parse_mode = formatted(text, (f"Drill 1: {name}",))
    assert parse_mode == "HTML"
    assert shown == (
        '<b>Drill 1: Tom &lt;b&gt;&amp; "Jerry"&lt;/b&gt; 🏃‍♀️</b>\nStand tall &amp; breathe &lt;3'
    )
    assert parse_html(shown) == (
        text,
        [{"type": "bold", "offset": 0, "length": utf16_len(f"Drill 1: {name}")}],
    )


def test_overlapping_and_repeated_bold_parts_make_one_tag_each_time() -> None:
    shown, _ = formatted("Glutes, left. Glutes, right.", ("Glutes", "Glutes, left"))
    assert shown == "<b>Glutes, left</b>. <b>Glutes</b>, right."


def test_a_text_without_bold_parts_stays_plain() -> None:
    assert formatted("Hips & knees <3", ()) == ("Hips & knees <3", None)
    assert formatted("Hips & knees", ("ankles",)) == ("Hips & knees", None)
