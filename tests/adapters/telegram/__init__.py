"""Telegram adapter tests, against the Bot API stand-in."""
