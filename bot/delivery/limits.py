"""Pacing limits per platform, a little inside what each platform enforces."""

from __future__ import annotations

from bot.delivery.pacer import PaceLimits

# Telegram: about 30 messages/s overall, 1/s per chat with short bursts, 20/min per group.
# An even 29/s keeps any one-second window at 30 or fewer even when sends line up on its
# edges; python-telegram-bot's own limiter lets 30 through at once and nothing per chat.
TELEGRAM = PaceLimits(
    overall_per_second=29,
    overall_burst=1,
    per_chat_per_second=1.0,
    per_chat_burst=3,
    per_group_per_minute=20,
)
