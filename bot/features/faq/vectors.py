"""Sentence vectors for the FAQ: the static embedding shipped in ``model/`` (see its
README), read with model2vec.

A message's vector is the mean of its tokens' vectors, scaled to length 1, so the dot
product of two vectors is their cosine similarity. No network: the files are read from the
package's own folder and handed to model2vec's ``StaticModel`` directly, so no model hub
is ever looked up (nor its client imported: model2vec's own loader reads the README as a
hub model card, which costs a second and 30 MB at start-up).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from model2vec import StaticModel
from numpy.typing import NDArray
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).with_name("model")
"""The shipped model, installed with the package (package data in pyproject.toml)."""
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")

DEFAULT_MAX_TOKENS = 512
"""model2vec's default cut-off, for a model whose config names none."""

Vectors = NDArray[np.float32]


class SentenceVectors:
    """Text to unit-length vectors, one row per text."""

    def __init__(self, model: StaticModel) -> None:
        self._model = model
        self._table = np.asarray(model.embedding)
        self._tokenizer: Tokenizer = model.tokenizer
        self._unknown: int | None = model.unk_token_id
        self._max_tokens: int = model.max_length or DEFAULT_MAX_TOKENS
        self._kept: dict[tuple[str, ...], Vectors] = {}

    @property
    def dims(self) -> int:
        return int(self._table.shape[1])

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Many texts at once (the phrasings, at start-up), with model2vec's own encoder."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        rows = np.asarray(self._model.encode(list(texts), use_multiprocessing=False))
        return _unit(rows.astype(np.float32, copy=False).reshape(len(texts), -1))

    def encode_kept(self, texts: tuple[str, ...]) -> Vectors:
        """``encode``, kept for the next caller with the same texts: every coach (tests
        build one per test) encodes the same phrasings. Read-only, as it is shared."""
        rows = self._kept.get(texts)
        if rows is None:
            rows = self.encode(texts)
            rows.setflags(write=False)
            self._kept[texts] = rows
        return rows

    def encode_one(self, text: str) -> Vectors:
        """One message, as ``encode`` would give it, in half the time: one tokenizer call
        and one mean, without the batching (its thread pool, its progress bar)."""
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids[: self._max_tokens]
        if self._unknown is not None:
            ids = [i for i in ids if i != self._unknown]  # as model2vec drops [UNK]
        # The sum points the same way as the mean, and the length is scaled away.
        row: Vectors = self._table[ids].sum(axis=0, dtype=np.float32)
        length = float(np.sqrt(row @ row))
        if length == 0.0:
            return np.zeros(self.dims, dtype=np.float32)  # nothing to read ("!!!")
        row /= length
        return row


def _unit(rows: Vectors) -> Vectors:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    # A text with no known token ("!!!") is the zero vector: similar to nothing.
    unit: Vectors = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit


def load_vectors(folder: Path) -> SentenceVectors:
    """The model in ``folder``, as model2vec saves one; ``FileNotFoundError`` if a file is
    missing."""
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: no FAQ sentence model here (missing {missing})")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    model = StaticModel(
        vectors=load_file(str(folder / "model.safetensors"))["embeddings"],
        tokenizer=Tokenizer.from_file(str(folder / "tokenizer.json")),
        config=config,
        normalize=bool(config.get("normalize", False)),
        max_length=config.get("max_length", 512),
    )
    return SentenceVectors(model)


@cache
def shipped_vectors() -> SentenceVectors:
    """The shipped model, read once per process: it never changes, so every matcher (one
    per coach; tests build many) shares it."""
    return load_vectors(MODEL_DIR)
