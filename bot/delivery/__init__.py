"""Outbound delivery: pacing messages below each platform's flood limits."""

from bot.delivery.pacer import Pacer, PaceLimits, PaceSchedule, Priority, Ticket

__all__ = ["PaceLimits", "PaceSchedule", "Pacer", "Priority", "Ticket"]
