"""The reminders' side of check-ins: the planned runs a check-in can be about."""

from __future__ import annotations

from datetime import datetime

from bot.core.ports import PlannedRun
from bot.core.turn import Turn
from bot.features.reminders.checkin_store import CheckinRepository


class ReminderRuns:
    """:class:`~bot.core.ports.PlannedRuns` from the reminders' check-in rows."""

    async def latest(self, turn: Turn, since: datetime) -> PlannedRun | None:
        row = await turn.store(CheckinRepository).latest_run(turn.user.id, since, turn.now)
        return None if row is None else PlannedRun(row.delivery_id, row.run_at, row.time_zone)

    async def started_after(self, turn: Turn, run_at: datetime) -> int:
        repo = turn.store(CheckinRepository)
        return await repo.runs_started_after(turn.user.id, run_at, turn.now)

    async def settle(self, turn: Turn, delivery_id: int) -> None:
        await turn.store(CheckinRepository).settle(turn.user.id, delivery_id)

    async def between(self, turn: Turn, start: datetime, end: datetime) -> list[datetime]:
        return await turn.store(CheckinRepository).planned_runs(turn.user.id, start, end)
