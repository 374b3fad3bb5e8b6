"""Typo correction: which misspelled words the reader takes for vocabulary words."""

from __future__ import annotations

import pytest

from bot.features.tight import Reader
from bot.features.tight.lexicon import FUZZY_SURE


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("gltues", "glutes"),  # a swap of neighbours is one typo, not two
        ("achilels", "achilles"),
        ("stiffnses", "stiffness"),
        ("kneees", "knees"),
    ],
)
def test_a_typo_is_read_as_the_word_it_misspells(reader: Reader, typed: str, word: str) -> None:
    fixed, confidence = reader.lexicon.correct(typed)
    assert fixed == word
    assert 0.8 <= confidence < 1


@pytest.mark.parametrize(
    "typed",
    [
        "train",  # ordinary words stay themselves
        "numbers",
        "rains",
        "lgutes",  # a typo keeps its first letter
        "hamtxsring",  # a letter typed inside a swapped pair is three edits, too many
    ],
)
def test_words_too_far_from_the_vocabulary_are_left_alone(reader: Reader, typed: str) -> None:
    assert reader.lexicon.correct(typed) == (typed, 1.0)


def test_an_area_found_only_through_a_weak_typo_is_offered_not_assumed(reader: Reader) -> None:
    assert reader.lexicon.correct("gltues")[1] < FUZZY_SURE
    reading = reader.read("my gltues are tight")
    assert [a.area for a in reading.areas] == ["glutes"]
    assert reading.unsure
