"""The phrase table: how well the coach reads what runners actually type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.features.tight import Reader, Reading
from bot.features.tight.content import TightContent

TABLE = Path(__file__).with_name("phrases.yaml")
REQUIRED_ACCURACY = 0.95


@dataclass(frozen=True)
class Case:
    text: str
    areas: frozenset[tuple[str, str | None]]
    red_flag: str | None
    extra: dict[str, object]


def _cases() -> list[Case]:
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    cases = []
    for row in rows:
        areas = set()
        for item in row.pop("areas"):
            area, _, side = str(item).partition(":")
            areas.add((area, side or None))
        text = row.pop("text")
        red_flag = row.pop("red_flag", None)
        cases.append(Case(text, frozenset(areas), red_flag, row))
    return cases


CASES = _cases()


def _areas(reading: Reading) -> frozenset[tuple[str, str | None]]:
    return frozenset((a.area, a.side) for a in reading.areas)


def test_the_table_is_big_and_varied() -> None:
    assert len(CASES) >= 150
    assert len({case.text for case in CASES}) == len(CASES), "duplicate phrases"
    assert sum(case.red_flag == "urgent" for case in CASES) >= 15
    assert sum(case.red_flag == "see_clinician" for case in CASES) >= 15
    assert sum(bool(case.extra.get("unsure")) for case in CASES) >= 10


def test_areas_and_sides_are_read_right(reader: Reader) -> None:
    misses = [
        f"{case.text!r}: expected {sorted(case.areas, key=str)}, got {sorted(_areas(got), key=str)}"
        for case in CASES
        if _areas(got := reader.read(case.text)) != case.areas
    ]
    accuracy = 1 - len(misses) / len(CASES)
    print(f"areas and sides exactly right: {accuracy:.1%} of {len(CASES)} phrases")
    assert accuracy >= REQUIRED_ACCURACY, "\n".join(misses)


def test_every_red_flag_is_triaged_at_its_level(reader: Reader) -> None:
    wrong = [
        f"{case.text!r}: expected {case.red_flag}, got {got.red_flag} {got.triage.reasons}"
        for case in CASES
        if (got := reader.read(case.text)).red_flag != case.red_flag
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", ["intensity", "kind", "unsure", "too_many"])
def test_other_details_match_where_the_table_gives_them(reader: Reader, key: str) -> None:
    wrong = [
        f"{case.text!r}: {key} expected {case.extra[key]!r}, got {getattr(got, key)!r}"
        for case in CASES
        if key in case.extra and getattr(got := reader.read(case.text), key) != case.extra[key]
    ]
    assert not wrong, "\n".join(wrong)


def test_an_unsure_reading_always_offers_choices(
    reader: Reader, tight_content: TightContent
) -> None:
    for case in CASES:
        reading = reader.read(case.text)
        if reading.unsure:
            assert reading.candidates, case.text
            assert set(reading.candidates) <= set(tight_content.area_ids()), case.text
            assert set(reading.area_ids) <= set(reading.candidates), case.text
