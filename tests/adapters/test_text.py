"""One splitter for every platform: the same cuts, in each platform's own units."""

from __future__ import annotations

from bot.adapters.text import fit, split_text, utf16_units


def test_cuts_fall_on_paragraphs_then_lines_then_spaces() -> None:
    text = "first paragraph here\n\nsecond one, rather longer than the first"
    assert split_text(text, 30) == [
        "first paragraph here",
        "second one, rather longer",
        "than the first",
    ]
    assert split_text("one two three four", 9) == ["one two", "three", "four"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("   ", 10) == []


def test_telegram_counts_an_emoji_twice_and_discord_once() -> None:
    text = "😊" * 6
    assert split_text(text, 6) == [text]  # six characters
    assert split_text(text, 6, utf16_units) == ["😊" * 3, "😊" * 3]  # twelve UTF-16 units


def test_fit_adds_an_ellipsis_within_the_limit() -> None:
    assert fit("short", 10) == "short"
    assert fit("a longer description", 10) == "a longer…"
    assert fit("😊😊😊", 5, utf16_units) == "😊😊…"
