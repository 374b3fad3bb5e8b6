"""Imports every model module so ``Base.metadata`` knows all tables (Alembic, tests)."""

from bot.storage import models, reminder_models, report_models
from bot.storage.base import Base

__all__ = ["Base", "models", "reminder_models", "report_models"]
