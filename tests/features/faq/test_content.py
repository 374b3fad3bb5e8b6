"""FAQ content is checked at load: every answer short, sourced and reachable."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.content import ContentError, load_content
from bot.features.faq import FaqContent, load_faq_content
from bot.features.faq.content import ANSWER_MAX_CHARS
from tests.conftest import CONTENT_DIR
from tests.features.faq.conftest import FAQ

TOPICS = {
    "before_long_run",
    "roll_duration",
    "roll_daily",
    "roll_after_race",
    "doms_vs_injury",
    "dynamic_vs_static",
    "why_warm_up",
    "warmup_length",
    "bouncing_lunges",
    "chair_pose_squats",
    "toy_soldiers",
    "roller_vs_ball",
    "where_not_to_roll",
    "it_band",
    "roll_pressure",
    "roll_before_or_after",
    "cold_weather",
    "drill_hurts",
    "sitting_hip_flexors",
    "glute_activation",
    "routine_frequency",
    "run_when_sore",
    "see_physio",
    "stretch_after",
    "roll_speed",
    "knots",
    "hydration",
}


def test_the_faq_covers_what_runners_ask(faq_content: FaqContent) -> None:
    ids = {entry.id for entry in faq_content.entries}
    assert len(ids) >= 25
    assert ids >= TOPICS


def test_every_entry_is_short_sourced_and_has_phrasings(faq_content: FaqContent) -> None:
    for entry in faq_content.entries:
        assert len(entry.answer) <= ANSWER_MAX_CHARS, entry.id
        assert len(entry.phrasings) >= 4, entry.id
        cited = [faq_content.sources[s] for s in entry.sources]
        assert any(source.url for source in cited), entry.id


def test_phrasings_are_typed_the_way_runners_type(faq_content: FaqContent) -> None:
    for entry in faq_content.entries:
        for phrasing in entry.phrasings:
            assert phrasing == phrasing.lower(), phrasing
            assert not re.search(r"[^a-z0-9 ]", phrasing), phrasing


def test_what_the_seed_covers_cites_the_seed(faq_content: FaqContent) -> None:
    for entry_id in ("bouncing_lunges", "chair_pose_squats", "toy_soldiers", "knots"):
        assert "seed" in faq_content.entry(entry_id).sources
    assert "8 counts" in faq_content.entry("bouncing_lunges").answer
    assert "4 reps" in faq_content.entry("chair_pose_squats").answer
    assert "12 reps" in faq_content.entry("toy_soldiers").answer
    assert "3 to 5 seconds" in faq_content.entry("roll_speed").answer


def test_public_sources_have_https_urls(faq_content: FaqContent) -> None:
    for source_id, source in faq_content.sources.items():
        if source_id != "house":
            assert source.url is not None
            assert source.url.startswith("https://"), source_id


def _edited(tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    data = yaml.safe_load(FAQ.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "faq.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _entry(data: dict[str, object], index: int) -> dict[str, object]:
    entries = data["entries"]
    assert isinstance(entries, list)
    entry = entries[index]
    assert isinstance(entry, dict)
    return entry


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _entry(d, 3).update(sources=["seed", "hearsay"]),
            "faq.yaml: entries.3.sources.1: unknown source 'hearsay'",
        ),
        (
            lambda d: _entry(d, 0).update(sources=[]),
            "faq.yaml: entries.0.sources: Tuple should have at least 1 item",
        ),
        (
            lambda d: _entry(d, 2).update(answer="x" * (ANSWER_MAX_CHARS + 1)),
            "faq.yaml: entries.2.answer: String should have at most 400 characters",
        ),
        (
            lambda d: _entry(d, 1).update(phrasings=["a", "b", "c"]),
            "faq.yaml: entries.1.phrasings: Tuple should have at least 4 items",
        ),
        (
            lambda d: _entry(d, 4).pop("answer"),
            "faq.yaml: entries.4.answer: Field required",
        ),
        (
            lambda d: _entry(d, 5).update(id=_entry(d, 6)["id"]),
            "entry ids must be unique",
        ),
        (
            lambda d: _entry(d, 7).update(
                phrasings=[*_entry(d, 7)["phrasings"], _entry(d, 8)["phrasings"][0]]  # type: ignore[misc, index]
            ),
            "already belongs to",
        ),
        (
            lambda d: _entry(d, 9).update(
                phrasings=[*_entry(d, 9)["phrasings"], "what should i eat first"]  # type: ignore[misc]
            ),
            "uses off-topic words ['eat']",
        ),
        (
            lambda d: _entry(d, 10).update(sources=["house"]),
            "faq.yaml: entries.10.sources: cite at least one source with a url",
        ),
    ],
)
def test_broken_faq_content_names_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, object]], None], expected: str
) -> None:
    path = _edited(tmp_path, change)
    with pytest.raises(ContentError) as caught:
        load_faq_content(path)
    assert expected in str(caught.value)


def test_check_content_refuses_an_answer_without_a_known_source(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    data = yaml.safe_load((target / "faq.yaml").read_text(encoding="utf-8"))
    data["entries"][0]["sources"] = ["gossip"]
    (target / "faq.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match=r"faq\.yaml: entries\.0\.sources\.0: unknown source"):
        load_content(target)
