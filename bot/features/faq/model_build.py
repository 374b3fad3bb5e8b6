"""Rebuilds the FAQ's sentence model (``python -m bot faq-model``): a static embedding
distilled with model2vec from sentence-transformers' all-MiniLM-L6-v2.

Needs the optional extra: ``pip install -e '.[faq-model]'`` (model2vec's distill, torch).
The base model is a hub name or a local folder holding it; with no hub to reach, point
``--base`` at a local copy. Distilling is deterministic (PCA by eigendecomposition), so
the same base and settings give the same vectors.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bot.features.faq.vectors import MODEL_DIR

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DIMS = 128
"""Dimensions kept by PCA: 128 int8 matched 256 float16 on the FAQ sets at a quarter of the
size (about 4 MB)."""
DTYPE = "int8"
KEPT = ("model.safetensors", "tokenizer.json", "config.json")
"""What the matcher reads; model2vec's generated model card and sentence-transformers'
modules.json are left out (the README beside them says where the model comes from)."""


def build_model(base: str, out: Path = MODEL_DIR, dims: int = DIMS, dtype: str = DTYPE) -> Path:
    """Distil ``base`` into ``out``, replacing the model files there (the README stays)."""
    import tempfile

    from model2vec.distill import distill

    model = distill(base, pca_dims=dims, quantize_to=dtype, device="cpu")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        model.save_pretrained(scratch)
        for name in KEPT:
            data = (Path(scratch) / name).read_bytes()
            if name == "config.json":
                data = _portable_config(data, base)
            (out / name).write_bytes(data)
    return out


def _portable_config(data: bytes, base: str) -> bytes:
    """model2vec writes the base's path into the config; a local folder is named by the
    model it holds instead, so the shipped file says the same wherever it was built."""
    config: dict[str, Any] = json.loads(data)
    if Path(base).exists():
        config["tokenizer_name"] = BASE_MODEL
    config["model2vec_version"] = version("model2vec")
    return (json.dumps(config, indent=4) + "\n").encode()
