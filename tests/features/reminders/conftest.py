from __future__ import annotations

import pytest

from bot.content import Content
from bot.features.reminders.parsing import Vocabulary
from bot.features.reminders.texts import ReminderTexts


@pytest.fixture(scope="session")
def reminder_texts(content: Content) -> ReminderTexts:
    return content.reminder_texts


@pytest.fixture(scope="session")
def vocabulary(reminder_texts: ReminderTexts) -> Vocabulary:
    return reminder_texts.vocabulary.build()
