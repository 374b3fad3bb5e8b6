"""The one reader of typed numbers: soreness, intensity and reminder leads all use it."""

from __future__ import annotations

import random
import re

import pytest

from bot.core.numbers import read_number


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("\t7\n", 7),
        ("0", 0),
        ("10", 10),
        ("07", 7),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7/ 10 ", 7),
        ("10/10", 10),
        ("７", 7),  # fullwidth, as phone keyboards in CJK locales type it
        ("٧", 7),  # Arabic-Indic
    ],
)
def test_a_number_on_a_scale_is_read(typed: str, expected: int) -> None:
    assert read_number(typed, 0, 10) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "11",
        "-1",
        "+7",
        "7.5",
        "7,",
        "seven",
        "7 7",
        "007",
        "7/",
        "/10",
        "7/5",
        "7/10/10",
        "7 out of 10",
        "²",
        "①",
        "¹⁰",
        "7²",
        "1" * 4000,
        "9" * 5000 + "/10",
        "\x00",
        "\udcff",
    ],
)
def test_anything_else_is_refused_without_raising(typed: str) -> None:
    assert read_number(typed, 0, 10) is None


def test_the_range_is_the_callers() -> None:
    assert read_number("0", 1, 5) is None
    assert read_number("3/5", 1, 5) == 3
    assert read_number("3/10", 1, 5) is None
    assert read_number("180", 0, 9999) == 180
    assert read_number("12345", 0, 9999) is None
    assert read_number("999999999999", 0, 10**12 - 1) == 10**12 - 1


def test_out_of_false_reads_a_plain_count_only() -> None:
    assert read_number("30", 0, 9999, out_of=False) == 30
    assert read_number("30/9999", 0, 9999, out_of=False) is None
    assert read_number("7/10", 0, 10, out_of=False) is None


_SCALE = re.compile(r"^\s*(\d{1,2})\s*(?:/\s*10)?\s*$")


def _by_regex(text: str) -> int | None:
    """How /warmup and /tight read a 0-10 score before they shared ``read_number``."""
    match = _SCALE.match(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 <= value <= 10 else None


def test_it_reads_a_score_exactly_as_the_regex_it_replaced() -> None:
    pieces = ["0", "1", "7", "10", "11", "٧", "²", " ", "\n", "/", "10", "5", "x", "-", "."]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert read_number(text, 0, 10) == _by_regex(text), repr(text)
