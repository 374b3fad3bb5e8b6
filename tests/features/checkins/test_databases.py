"""Several bot processes on one PostgreSQL database ask about each run once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import build_dispatcher
from bot.content import Content
from bot.features.reminders.dispatcher import DispatchSettings
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import FakeClock, RecordingAdapter
from tests.features.checkins.harness import checkin_rows
from tests.features.reminders.harness import seed_daily_reminders
from tests.features.reminders.test_dispatch_databases import DUE, RUNNERS
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)


@pytest.mark.postgres
async def test_three_processes_ask_each_run_once(pg_url: str, content: Content) -> None:  # noqa: F811
    engines = [create_engine(pg_url) for _ in range(3)]
    try:
        await upgrade_to_head(engines[0])
        await seed_daily_reminders(
            engines[0], RUNNERS, DUE
        )  # 60 runners, a 07:00 run each, reminded at 06:30
        clock = FakeClock(DUE + timedelta(seconds=1))
        adapters = [RecordingAdapter(clock) for _ in engines]
        dispatchers = [
            build_dispatcher(
                session_factory(engine),
                content,
                [adapter],
                clock,
                DispatchSettings(batch_size=7, concurrency=3),
            )
            for engine, adapter in zip(engines, adapters, strict=True)
        ]
        await asyncio.gather(*(d.run_once() for d in dispatchers))
        clock.current = DUE + timedelta(minutes=30 + 90)  # the run plus the default delay
        for _ in range(2):
            await asyncio.gather(*(d.run_once() for d in dispatchers))

        asked = sorted(
            sent.key.chat_id
            for adapter in adapters
            for sent in adapter.sent
            if sent.reply.text.startswith("How did your hips feel")
        )
        assert asked == sorted(f"c{n}" for n in range(RUNNERS))
        rows = await checkin_rows(session_factory(engines[0]))
        assert [row.status for row in rows] == ["sent"] * RUNNERS
    finally:
        for engine in engines:
            await engine.dispose()
