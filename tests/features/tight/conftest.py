"""Tight-spot content and reader, loaded once for the whole module."""

from __future__ import annotations

import pytest

from bot.features.tight import Reader
from bot.features.tight.content import TightContent, load_tight_content
from tests.conftest import CONTENT_DIR


@pytest.fixture(scope="session")
def tight_content() -> TightContent:
    return load_tight_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def reader(tight_content: TightContent) -> Reader:
    return Reader(tight_content)
