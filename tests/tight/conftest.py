"""Tight-spot content and reader, loaded once for the whole module."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.tight import Reader
from bot.features.tight.content import TightContent, load_tight_content

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="session")
def tight_content() -> TightContent:
    return load_tight_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def reader(tight_content: TightContent) -> Reader:
    return Reader(tight_content)
