from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_file
from bot.content.reminders import ReminderTexts
from bot.scheduling.parsing import Vocabulary

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="session")
def reminder_texts() -> ReminderTexts:
    return load_file(CONTENT / "reminders.yaml", ReminderTexts)


@pytest.fixture(scope="session")
def vocabulary(reminder_texts: ReminderTexts) -> Vocabulary:
    return reminder_texts.vocabulary.build()
