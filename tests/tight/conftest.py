"""Tight-spot content and reader, loaded once for the whole module."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.tight_models import TightContent, load_tight_content
from bot.core.tight import Reader

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="session")
def tight_content() -> TightContent:
    return load_tight_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def reader(tight_content: TightContent) -> Reader:
    return Reader(tight_content)
