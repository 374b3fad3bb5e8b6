"""Tight spots: reading plain-words reports, red-flag triage and release plans."""

from bot.features.tight.reader import Reader, reader_for
from bot.features.tight.reading import AreaReading, Reading, Triage

__all__ = ["AreaReading", "Reader", "Reading", "Triage", "reader_for"]
