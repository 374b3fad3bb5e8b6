"""A stored club run as its rule, and the rule back as words."""

from __future__ import annotations

from datetime import time

from bot.features.clubs.models import ClubRun
from bot.features.clubs.schedule import RunRule


def encode_weekdays(days: frozenset[int]) -> str:
    return "".join(str(day) for day in sorted(days))


def rule_of(run: ClubRun) -> RunRule:
    hours, minutes = run.run_time.split(":")
    return RunRule(
        weekdays=frozenset(int(char) for char in run.weekdays),
        run_time=time(int(hours), int(minutes)),
        zone=run.time_zone,
        lead_minutes=run.lead_minutes,
    )
