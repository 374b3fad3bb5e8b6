from __future__ import annotations

import pytest

from bot.content import Content
from bot.content.reminder_texts import ReminderTexts
from bot.scheduling.parsing import Vocabulary


@pytest.fixture(scope="session")
def reminder_texts(content: Content) -> ReminderTexts:
    return content.reminder_texts


@pytest.fixture(scope="session")
def vocabulary(reminder_texts: ReminderTexts) -> Vocabulary:
    return reminder_texts.vocabulary.build()
