"""Tight-spot content is checked at load: bad files fail with file, field and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.features.tight import reader_for
from bot.features.tight.content import NoRollPlan, RollPlan, TightContent, load_tight_content
from tests.conftest import CONTENT_DIR


@pytest.fixture
def editable(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT_DIR / "tight", tmp_path / "tight")
    return tmp_path


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "tight" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_area_has_a_plan_and_every_plan_a_source(tight_content: TightContent) -> None:
    smr = tight_content.smr
    assert set(smr.areas) == set(tight_content.area_ids())
    for area_id, plan in smr.areas.items():
        cited = [smr.sources[s] for s in plan.sources]
        if area_id not in smr.seed_covers:
            assert any(
                s.url and s.url.startswith("https://")
                for s in cited
                if s is not smr.sources["seed"]
            )
    for area_id in ("knees", "lower_back"):
        assert isinstance(smr.areas[area_id], NoRollPlan)
    assert isinstance(smr.areas["glutes"], RollPlan)
    assert "ball" in smr.areas["glutes"].tool.lower()


def test_every_triage_rule_cites_a_source_with_a_url(tight_content: TightContent) -> None:
    triage = tight_content.triage
    assert {rule.level for rule in triage.rules} == {"urgent", "see_clinician"}
    for rule in triage.rules:
        assert all(triage.sources[s].url for s in rule.sources), rule.id


def test_an_uncited_area_beyond_the_seed_is_refused(editable: Path) -> None:
    edit(
        editable,
        "smr.yaml",
        "sources: [ptfitness_calves, cheatham_2015, nhs_dvt]",
        "sources: [seed]",
    )
    with pytest.raises(ContentError, match=r"smr\.yaml: .*areas\.calves: .*cite a public source"):
        load_tight_content(editable)


def test_a_broken_pattern_names_file_and_field(editable: Path) -> None:
    edit(editable, "triage.yaml", r"'\bstopped me running\b'", r"'(unclosed'")
    with pytest.raises(ContentError, match=r"triage\.yaml: rules\.\d+\.all_of.*regular expression"):
        load_tight_content(editable)


def test_a_term_shared_by_two_areas_is_refused(editable: Path) -> None:
    edit(editable, "vocabulary.yaml", "      - calfs\n", "      - calfs\n      - hammies\n")
    with pytest.raises(ContentError, match=r"vocabulary\.yaml: areas\.\d+\.terms: 'hammies'"):
        load_tight_content(editable)


def test_a_lighter_plan_cites_a_known_source_in_one_line(
    tight_content: TightContent, editable: Path
) -> None:
    lighter = tight_content.smr.lighter
    for name, reason in lighter.reasons.items():
        assert "\n" not in reason.line, name
        assert "(" in reason.line, f"{name}: the line names its source"
        for source in reason.sources:
            assert tight_content.smr.sources[source].title, name
    edit(editable, "smr.yaml", "      sources: [nhs_sprains]", "      sources: [made_up]")
    with pytest.raises(ContentError, match=r"lighter\.reasons\.wait: unknown source 'made_up'"):
        load_tight_content(editable)


def test_every_rolled_area_has_a_one_screen_line(tight_content: TightContent) -> None:
    for area_id, plan in tight_content.smr.areas.items():
        if isinstance(plan, RollPlan):
            assert len(plan.brief) <= 110, area_id
            assert plan.light_time != plan.time, area_id
        else:
            assert len(plan.brief) <= 60, area_id


def test_a_missing_word_names_the_field(editable: Path) -> None:
    edit(editable, "words.yaml", "  saved: ", "  saaved: ")
    with pytest.raises(ContentError, match=r"words\.yaml: tight\.saved"):
        load_tight_content(editable)


def test_each_area_offered_as_a_command_choice_reads_back_as_that_area(
    tight_content: TightContent,
) -> None:
    """/tight's area box sends an area's short name (with a side, or words after it):
    the reader must take it for that area, and Discord must accept it as a choice."""
    reader = reader_for(tight_content)
    areas = tight_content.vocabulary.areas
    assert len(areas) <= 25  # Discord's choices per option
    for area in areas:
        assert 1 <= len(area.label) <= 100
        assert 1 <= len(area.short) <= 100
        for side in ("", " left", " both"):
            reading = reader.read(f"{area.short}{side} knotted")
            assert [a.area for a in reading.areas] == [area.id], (area.short, side)
