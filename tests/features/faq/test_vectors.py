"""The FAQ's sentence vectors: the shipped model loads from the package, with no network,
and a message encodes alone as it does among many."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.features.faq.vectors import MODEL_DIR, load_vectors, shipped_vectors


def test_the_model_ships_with_its_provenance() -> None:
    readme = (MODEL_DIR / "README.md").read_text(encoding="utf-8")
    assert "license: apache-2.0" in readme
    assert "sentence-transformers/all-MiniLM-L6-v2" in readme
    size = sum(path.stat().st_size for path in MODEL_DIR.iterdir())
    assert size < 5_000_000


def test_texts_become_unit_vectors() -> None:
    vectors = shipped_vectors()
    rows = vectors.encode(["how long should i foam roll?", "why warm up"])
    assert rows.shape == (2, vectors.dims)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


def test_one_message_encodes_as_it_does_among_many() -> None:
    vectors = shipped_vectors()
    texts = ["is it ok to roll my IT band??", "ñandú 🏃 warm-up", "a " * 600, "!!!", ""]
    together = vectors.encode(texts)
    alone = np.stack([vectors.encode_one(text) for text in texts])
    assert np.allclose(together, alone, atol=1e-6)
    assert not alone[-1].any()  # nothing to read: similar to nothing


def test_a_question_is_nearer_its_own_kind() -> None:
    vectors = shipped_vectors()
    ask, same, other = vectors.encode(
        ["how long should i foam roll for", "how many minutes on the roller", "remind me at 7"]
    )
    assert ask @ same > ask @ other


def test_a_folder_without_the_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no FAQ sentence model"):
        load_vectors(tmp_path)


def test_phrasings_are_encoded_once_for_every_matcher() -> None:
    vectors = shipped_vectors()
    first = vectors.encode_kept(("why warm up", "how long should i roll"))
    again = vectors.encode_kept(("why warm up", "how long should i roll"))
    assert again is first
    assert not first.flags.writeable
