"""The FAQ content and matcher, loaded once for the module."""

from __future__ import annotations

import pytest

from bot.features.faq import FaqContent, FaqMatcher, load_faq_content
from tests.conftest import CONTENT_DIR

FAQ = CONTENT_DIR / "faq.yaml"


@pytest.fixture(scope="session")
def faq_content() -> FaqContent:
    return load_faq_content(FAQ)


@pytest.fixture(scope="session")
def matcher(faq_content: FaqContent) -> FaqMatcher:
    return FaqMatcher(faq_content)
