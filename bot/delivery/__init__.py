"""Outbound delivery: pacing messages below each platform's flood limits."""

from bot.delivery.pacer import PaceLimits, Pacer, PaceSchedule, Priority, Ticket

__all__ = ["PaceLimits", "PaceSchedule", "Pacer", "Priority", "Ticket"]
